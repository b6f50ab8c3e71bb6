// The audit log against a real SQLite file: what is recorded is read back the same by List and Watch, every
// filter selects what the API promises, long texts are cut, retention keeps what it says, and bad requests name
// their field. (Ordering, batching and resuming are the journal's, tested through the event log.)
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { AuditEntry, AuditFilter, RecordedAuditEntry } from "../../../../src/domain/audit/audit-entry.js";
import { AuditLog, DEFAULT_AUDIT_RETENTION, INTERRUPTED, MAX_AUDIT_TEXT_CHARS, type AuditRetention, type AuditWatchQuery } from "../../../../src/domain/audit/audit-log.js";
import { AuditStore } from "../../../../src/store/audit-store.js";
import { openDatabase } from "../../../../src/store/database.js";
import { tempDir } from "../../helpers/temp-dir.js";

interface LogOptions {
  readonly retention?: AuditRetention;
  readonly now?: () => number;
}

async function openLog(t: TestContext, options: LogOptions = {}): Promise<{ audit: AuditLog; reopen(options?: LogOptions): AuditLog }> {
  const path = join(await tempDir(t), "aurae.db");
  const open = (opts: LogOptions): AuditLog => {
    const db = openDatabase(path);
    t.after(() => db.close());
    return new AuditLog({ store: new AuditStore(db), ...opts });
  };
  return { audit: open(options), reopen: (opts = {}) => open(opts) };
}

const ADMIN = "spiffe://aurae.test/admin";
const FREE = "/aurae.cells.v1.CellService/Free";

const entry = (fields: Partial<AuditEntry> = {}): AuditEntry => ({ identity: ADMIN, method: FREE, code: "OK", details: "", peer: "socket:unix", ...fields });

const WATCH: AuditWatchQuery = { afterSequence: 0, fromNow: false, follow: false };

async function readAll(audit: AuditLog, query: Partial<AuditWatchQuery> = {}): Promise<RecordedAuditEntry[]> {
  const read: RecordedAuditEntry[] = [];
  for await (const batch of audit.watch({ ...WATCH, ...query }, new AbortController().signal)) read.push(...batch);
  return read;
}

const listAll = (audit: AuditLog, filter: AuditFilter = {}): RecordedAuditEntry[] => audit.list(filter, { pageSize: 0, pageToken: "" }).entries;

test("records each call with the next sequence and the time, and reads it back the same by List and Watch", async (t) => {
  const { audit } = await openLog(t);
  const before = Date.now();
  const freed = audit.record(entry({ cell: "web/api", peer: "tcp:[::1]:40000" }));
  const refused = audit.record(entry({ identity: "", method: "/aurae.cells.v1.CellService/Allocate", code: "UNAUTHENTICATED", details: "no client certificate" }));
  assert.equal(refused.sequence, freed.sequence + 1);
  assert.ok(freed.time.getTime() >= before && freed.time.getTime() <= Date.now());
  assert.deepEqual({ ...freed, time: undefined }, { sequence: freed.sequence, time: undefined, pending: false, ...entry({ cell: "web/api", peer: "tcp:[::1]:40000" }) });
  assert.equal("cell" in refused, false, "a call that names no cell has none");
  assert.equal(refused.identity, "");
  assert.deepEqual(await readAll(audit), [freed, refused]);
  assert.deepEqual(listAll(audit), [freed, refused]);
});

test("a mutation is on record as pending while it runs, and its outcome replaces it under a new sequence", async (t) => {
  const { audit } = await openLog(t);
  const sequence = audit.begin({ identity: ADMIN, method: FREE, cell: "web", peer: "socket:unix" });
  const [pending] = listAll(audit, { cell: "web" });
  assert.deepEqual({ ...pending, time: undefined }, { sequence, time: undefined, identity: ADMIN, method: FREE, cell: "web", code: "", details: "", peer: "socket:unix", pending: true });
  assert.deepEqual(listAll(audit, { deniedOnly: true }), [], "a pending call is no refusal");
  const watch = audit.watch({ ...WATCH, afterSequence: sequence, follow: true }, new AbortController().signal);
  const next = watch.next();
  const done = audit.complete(sequence, entry({ cell: "web", code: "NOT_FOUND", details: "no cell web" }));
  assert.ok(done.sequence > sequence, "watchers that saw the pending entry are sent the outcome");
  assert.deepEqual((await next).value, [done]);
  assert.deepEqual(listAll(audit, { cell: "web" }), [{ ...done, pending: false, replacesSequence: sequence }]);
  await watch.return(undefined);
});

test("opening completes the entries a previous auraed left pending as UNKNOWN, saying it stopped before answering", async (t) => {
  const { audit, reopen } = await openLog(t);
  const cut = audit.begin({ identity: ADMIN, method: "/aurae.executables.v1.ExecutableService/Stop", cell: "web", peer: "socket:unix" });
  const answered = audit.complete(audit.begin({ identity: ADMIN, method: FREE, cell: "db", peer: "socket:unix" }), entry({ cell: "db" }));
  const [completed, ...rest] = listAll(reopen(), { cell: "web" });
  assert.deepEqual(rest, []);
  assert.deepEqual(
    { ...completed, time: undefined, sequence: undefined },
    { identity: ADMIN, method: "/aurae.executables.v1.ExecutableService/Stop", cell: "web", peer: "socket:unix", pending: false, replacesSequence: cut, time: undefined, sequence: undefined, ...INTERRUPTED },
  );
  assert.match(completed!.details, /stopped before answering/);
  assert.deepEqual(listAll(reopen(), { cell: "db" }), [answered], "a completed entry is left as it was");
});

test("a pending entry alone skips its fsync; the next write of the log fsyncs, and a start never reuses its sequence", async (t) => {
  const path = join(await tempDir(t), "aurae.db");
  const db = openDatabase(path);
  t.after(() => db.close());
  // What synchronous was when each row was inserted: 1 is NORMAL (no fsync at commit), 2 FULL.
  const modes: number[] = [];
  class SpiedStore extends AuditStore {
    override insert(row: Parameters<AuditStore["insert"]>[0]): number {
      modes.push(db.pragma("synchronous", { simple: true }) as number);
      return super.insert(row);
    }
  }
  const audit = new AuditLog({ store: new SpiedStore(db) });
  const intent = { identity: ADMIN, method: FREE, cell: "web", peer: "socket:unix" };
  const first = audit.begin(intent);
  const second = audit.begin(intent);
  audit.complete(second, entry({ cell: "web" }));
  audit.complete(first, entry({ cell: "web" }));
  const third = audit.begin(intent);
  audit.record(entry({ code: "PERMISSION_DENIED", details: "no" }));
  assert.deepEqual(modes, [1, 2, 2, 2, 1, 2], "only a pending entry while none is unsynced goes without an fsync");
  assert.equal(db.pragma("synchronous", { simple: true }), 2, "FULL again for every other write");
  const last = audit.begin(intent);
  assert.ok(last > third);
  const reopened = new AuditLog({ store: new AuditStore(db) });
  const completions = listAll(reopened, { cell: "web" }).filter((e) => e.replacesSequence === third || e.replacesSequence === last);
  assert.deepEqual(completions.map((e) => e.sequence), [last + 2, last + 3], "the first entry after a start comes after a skipped sequence");
});

test("an empty cell is no cell, and a success has no details", async (t) => {
  const { audit } = await openLog(t);
  const recorded = audit.record(entry({ cell: "", code: "OK", details: "OK" }));
  assert.equal("cell" in recorded, false);
  assert.equal(recorded.details, "");
});

test("cuts texts longer than 2048 characters, marking the cut", async (t) => {
  const { audit } = await openLog(t);
  const long = "x".repeat(5000);
  const recorded = audit.record(entry({ method: `/a.B/${long}`, code: "INTERNAL", details: long, peer: long, cell: long }));
  for (const text of [recorded.method, recorded.details, recorded.peer, recorded.cell!]) {
    assert.equal(text.length, MAX_AUDIT_TEXT_CHARS);
    assert.ok(text.endsWith("…"));
  }
  assert.deepEqual(listAll(audit), [recorded]);
});

test("filters by identity, method, cell, denials and time, alone and together, in List and Watch alike", async (t) => {
  let nowMs = Date.parse("2030-01-01T00:00:00Z");
  const { audit } = await openLog(t, { now: () => nowMs });
  const calls: [number, Partial<AuditEntry>][] = [
    [0, { cell: "team-a" }],
    [1, { identity: "spiffe://aurae.test/team-a/ci", method: "/aurae.executables.v1.ExecutableService/Start", cell: "team-a/web" }],
    [2, { identity: "spiffe://aurae.test/team-a/ci", cell: "team-b", code: "PERMISSION_DENIED", details: "no rule lets ... act on team-b" }],
    [3, { identity: "", method: "/aurae.cells.v1.CellService/Allocate", code: "UNAUTHENTICATED" }],
    [4, { identity: "spiffe://aurae.test/team-ab", cell: "team-ab", code: "NOT_FOUND" }],
  ];
  const start = nowMs;
  const recorded = calls.map(([minute, fields]) => ((nowMs = start + minute * 60_000), audit.record(entry(fields))));
  const pick = (...i: number[]) => i.map((n) => recorded[n]!.sequence);
  const both = async (filter: AuditFilter, expected: number[]) => {
    assert.deepEqual((await readAll(audit, filter)).map((e) => e.sequence), expected, `watch ${JSON.stringify(filter)}`);
    assert.deepEqual(listAll(audit, filter).map((e) => e.sequence), expected, `list ${JSON.stringify(filter)}`);
  };
  await both({ identity: ADMIN }, pick(0));
  await both({ identity: "spiffe://aurae.test/team-a/" }, pick(1, 2));
  await both({ identity: "spiffe://aurae.test/" }, pick(0, 1, 2, 4));
  await both({ method: FREE }, pick(0, 2, 4));
  await both({ method: "aurae.cells.v1.CellService/" }, pick(0, 2, 3, 4));
  await both({ cell: "team-a" }, pick(0, 1));
  await both({ deniedOnly: true }, pick(2, 3));
  await both({ sinceMs: start + 60_000, untilMs: start + 3 * 60_000 }, pick(1, 2));
  await both({ identity: "spiffe://aurae.test/team-a/", deniedOnly: true, method: FREE, sinceMs: start }, pick(2));
  await both({ identity: "", method: "", cell: "", deniedOnly: false }, pick(0, 1, 2, 3, 4));
});

test("a following watch with until ends once that time has passed, having sent every entry before it", async (t) => {
  const { audit } = await openLog(t);
  const early = audit.record(entry());
  const watch = audit.watch({ ...WATCH, follow: true, untilMs: Date.now() + 200 }, new AbortController().signal);
  assert.deepEqual((await watch.next()).value, [early]);
  const live = watch.next();
  const during = audit.record(entry({ cell: "web" }));
  assert.deepEqual((await live).value, [during]);
  assert.deepEqual(await watch.next(), { done: true, value: undefined });
});

test("close ends a following watch with unavailable naming the resume position", async (t) => {
  const { audit } = await openLog(t);
  const watch = audit.watch({ ...WATCH, follow: true }, new AbortController().signal);
  const waiting = watch.next();
  const last = audit.record(entry());
  audit.close();
  assert.deepEqual((await waiting).value, [last]);
  await assert.rejects(watch.next(), { kind: "unavailable", message: new RegExp(`after_sequence ${last.sequence} to resume`) });
});

test("keeps 100,000 entries for 30 days by default", () => {
  assert.deepEqual(DEFAULT_AUDIT_RETENTION, { maxEntries: 100_000, maxAgeMs: 30 * 86_400_000 });
});

test("keeps at most maxEntries and none older than maxAgeMs, pruning on opening", async (t) => {
  let nowMs = Date.parse("2030-01-01T00:00:00Z");
  const { audit, reopen } = await openLog(t, { now: () => nowMs });
  for (let i = 0; i < 20; i++) audit.record(entry());
  nowMs += 10 * 60_000;
  const recent = Array.from({ length: 5 }, () => audit.record(entry({ cell: "recent" })));
  const byCount = reopen({ retention: { maxEntries: 8, maxAgeMs: DEFAULT_AUDIT_RETENTION.maxAgeMs }, now: () => nowMs });
  assert.deepEqual((await readAll(byCount)).map((e) => e.sequence), Array.from({ length: 8 }, (_, i) => 18 + i));
  const byAge = reopen({ retention: { maxEntries: 100, maxAgeMs: 5 * 60_000 }, now: () => nowMs });
  assert.deepEqual(await readAll(byAge), recent);
});

test("refuses bad filters, positions and pages as invalid, naming the field", async (t) => {
  const { audit } = await openLog(t);
  const last = audit.record(entry()).sequence;
  const rejects = (query: Partial<AuditWatchQuery>, field: string) =>
    assert.rejects(readAll(audit, query), { kind: "invalid", field }, JSON.stringify(query));
  await rejects({ identity: "admin" }, "identity");
  await rejects({ method: "Free" }, "method");
  await rejects({ cell: "Web" }, "cell_name");
  await rejects({ sinceMs: 5, untilMs: 4 }, "until");
  await rejects({ afterSequence: last + 1 }, "after_sequence");
  await rejects({ afterSequence: last, fromNow: true }, "from_now");
  assert.throws(() => audit.list({ identity: "spiffe://x/../" }, { pageSize: 0, pageToken: "" }), { kind: "invalid", field: "identity" });
  assert.throws(() => audit.list({}, { pageSize: 1001, pageToken: "" }), { kind: "invalid", field: "page_size" });
  assert.throws(() => audit.list({}, { pageSize: 0, pageToken: "garbage" }), { kind: "invalid", field: "page_token" });
});
