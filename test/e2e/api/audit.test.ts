// The audit log through the real API: every mutating call (succeeded or failed) and every refusal is an entry with
// its identity, method, cell and result; reads are not; AuditService lists and streams entries with its filters,
// resumes by sequence, keeps them across a restart, and answers bad requests and bad retention flags.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { InvalidArgumentError, type AuraeClient } from "../../../src/client/index.js";
import type { AuditEntry, Filter } from "../../../src/gen/aurae/audit/v1/audit.js";
import { DAEMON_MAIN, useDaemon } from "../../helpers/daemon.js";
import { clientAs } from "../../helpers/identities.js";
import { uniqueName } from "../../helpers/names.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const aurae = useDaemon();
const ADMIN = `spiffe://${TRUST_DOMAIN}/admin`;
const CELLS = "/aurae.cells.v1.CellService/";

/** Every entry matching the filter, oldest first, page by page. */
async function listAll(client: AuraeClient, filter: Partial<Filter> = {}): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let pageToken = "";
  do {
    const page = await client.audit.list({ pageSize: 2, pageToken, filter });
    assert.ok(page.entries.length <= 2);
    entries.push(...page.entries);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return entries;
}

/** Entries of a Watch until it ends, or until `count` arrived (then the call is cancelled). */
async function collectWatch(request: Parameters<AuraeClient["audit"]["watch"]>[0], count = Infinity): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  if (count === 0) return entries;
  for await (const { entries: batch } of aurae.client.audit.watch(request, { deadline: 30_000 })) {
    entries.push(...batch);
    if (entries.length >= count) break;
  }
  return entries;
}

const newest = async (): Promise<bigint> => (await collectWatch({})).at(-1)?.sequence ?? 0n;
const describe = (e: AuditEntry): string => [e.identity, e.method, e.cellName, e.code].join(" ");

test("a freed cell is recorded: the admin's identity, the method, the cell and OK, at the time of the call", async () => {
  const name = uniqueName("audited");
  await aurae.client.cells.allocate({ spec: { name } });
  const before = Date.now();
  await aurae.client.cells.free({ name });
  const entries = await listAll(aurae.client, { cellName: name });
  assert.deepEqual(entries.map(describe), [`${ADMIN} ${CELLS}Allocate ${name} OK`, `${ADMIN} ${CELLS}Free ${name} OK`]);
  const freed = entries[1]!;
  assert.equal(freed.details, "");
  assert.notEqual(freed.peer, "");
  assert.ok(freed.time!.getTime() >= before - 1000 && freed.time!.getTime() <= Date.now() + 1000, String(freed.time));
  assert.ok(freed.sequence > entries[0]!.sequence);
});

test("a mutating call that fails is recorded with its code and message; reads of cells and events are not", async () => {
  const name = uniqueName("missing");
  const start = await newest();
  await assert.rejects(aurae.client.cells.free({ name }));
  await aurae.client.cells.list({});
  await aurae.client.events.list({});
  // Reading the audit log is itself audited (an admin call): leave those entries out.
  const entries = (await collectWatch({ afterSequence: start })).filter((e) => !e.method.startsWith("/aurae.audit.v1."));
  assert.deepEqual(entries.map(describe), [`${ADMIN} ${CELLS}Free ${name} NOT_FOUND`]);
  assert.match(entries[0]!.details, new RegExp(name));
});

test("a refused caller is recorded with its identity, and denied_only and the identity filters find it", async () => {
  const nobody = `spiffe://${TRUST_DOMAIN}/audit-test/nobody`;
  const { client } = await clientAs(aurae, nobody);
  const name = uniqueName("refused");
  await assert.rejects(client.cells.allocate({ spec: { name } }), { code: "denied" });
  const [refusal, ...more] = await listAll(aurae.client, { identity: `spiffe://${TRUST_DOMAIN}/audit-test/`, deniedOnly: true });
  assert.deepEqual(more, []);
  assert.equal(describe(refusal!), `${nobody} ${CELLS}Allocate ${name} PERMISSION_DENIED`);
  assert.notEqual(refusal!.details, "");
  assert.deepEqual((await listAll(aurae.client, { identity: nobody })).map(describe), [describe(refusal!)]);
  assert.ok((await listAll(aurae.client, { deniedOnly: true })).every((e) => ["PERMISSION_DENIED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED"].includes(e.code)));
});

test("filters by method or service, by cell subtree and by time, in List and Watch alike", async () => {
  const parent = uniqueName("tree");
  const start = await newest();
  const since = new Date();
  await aurae.client.cells.allocate({ spec: { name: parent } });
  await aurae.client.cells.allocate({ spec: { name: `${parent}/child` } });
  await aurae.client.cells.allocate({ spec: { name: `${parent}x` } });
  await aurae.client.cells.free({ name: `${parent}x` });
  await aurae.client.cells.free({ name: parent, stop: true });
  const until = new Date(Date.now() + 1);
  const both = async (filter: Partial<Filter>, expected: string[]) => {
    assert.deepEqual((await listAll(aurae.client, filter)).map((e) => `${e.method.split("/").pop()} ${e.cellName}`), expected, JSON.stringify(filter));
    assert.deepEqual((await collectWatch({ afterSequence: start, filter })).map((e) => `${e.method.split("/").pop()} ${e.cellName}`), expected);
  };
  await both({ cellName: parent }, [`Allocate ${parent}`, `Allocate ${parent}/child`, `Free ${parent}`]);
  await both({ cellName: parent, method: `${CELLS}Free` }, [`Free ${parent}`]);
  await both({ cellName: `${parent}x`, method: "aurae.cells.v1.CellService/" }, [`Allocate ${parent}x`, `Free ${parent}x`]);
  await both({ cellName: parent, method: "aurae.executables.v1.ExecutableService/" }, []);
  await both({ cellName: parent, since, until }, [`Allocate ${parent}`, `Allocate ${parent}/child`, `Free ${parent}`]);
  await both({ cellName: parent, until: since }, []);
});

test("a following Watch from now streams each call pending, then its outcome; resuming from a sequence misses nothing", async () => {
  const name = uniqueName("live");
  const live = collectWatch({ fromNow: true, follow: true, filter: { cellName: name } }, 4);
  await new Promise((r) => setTimeout(r, 200)); // the watch is open before the calls are made
  await aurae.client.cells.allocate({ spec: { name } });
  await aurae.client.cells.free({ name });
  const streamed = await live;
  assert.deepEqual(
    streamed.map((e) => `${e.method} ${e.pending ? "pending" : e.code}`),
    [`${CELLS}Allocate pending`, `${CELLS}Allocate OK`, `${CELLS}Free pending`, `${CELLS}Free OK`],
  );
  assert.deepEqual([streamed[1]!.replacesSequence, streamed[3]!.replacesSequence], [streamed[0]!.sequence, streamed[2]!.sequence]);
  // A pending entry is replaced by its outcome: resuming finds the outcomes.
  const resumed = await collectWatch({ afterSequence: streamed[0]!.sequence, filter: { cellName: name } });
  assert.deepEqual(resumed, [streamed[1], streamed[3]]);
});

test("a following Watch with until ends by itself once that time has passed", async () => {
  const started = Date.now();
  const entries = await collectWatch({ follow: true, filter: { cellName: uniqueName("none"), until: new Date(started + 500) } });
  assert.deepEqual(entries, []);
  assert.ok(Date.now() - started < 10_000);
});

test("entries are kept across a restart of auraed", async () => {
  const before = await listAll(aurae.client, { identity: ADMIN });
  assert.ok(before.length > 0);
  await aurae.stop();
  await aurae.start();
  const after = await listAll(aurae.client, { identity: ADMIN });
  assert.deepEqual(after.slice(0, before.length), before);
});

test("bad requests are INVALID_ARGUMENT naming the field, and the daemon keeps serving", async () => {
  const invalid = (field: string) => (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(`${field}:`);
  await assert.rejects(aurae.client.audit.list({ filter: { identity: "admin" } }), invalid("identity"));
  await assert.rejects(aurae.client.audit.list({ filter: { method: "Free" } }), invalid("method"));
  await assert.rejects(aurae.client.audit.list({ filter: { cellName: "Web" } }), invalid("cell_name"));
  await assert.rejects(aurae.client.audit.list({ filter: { since: new Date(2000), until: new Date(1000) } }), invalid("until"));
  await assert.rejects(aurae.client.audit.list({ pageSize: 5000 }), invalid("page_size"));
  await assert.rejects(aurae.client.audit.list({ pageToken: "nope" }), invalid("page_token"));
  await assert.rejects(collectWatch({ afterSequence: 2n ** 60n }), invalid("after_sequence"));
  await assert.rejects(collectWatch({ afterSequence: 1n, fromNow: true }), invalid("from_now"));
  assert.equal((await aurae.client.health.check({})).status, 1);
});

for (const [flag, value] of [["--audit-max", "0"], ["--audit-max", "many"], ["--audit-max-age", "30"], ["--audit-max-age", "1y"]]) {
  test(`auraed refuses ${flag} ${value}, naming the flag`, () => {
    const run = spawnSync(process.execPath, [DAEMON_MAIN, flag!, value!], { encoding: "utf8", timeout: 10_000 });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^auraed: ${flag}: `), run.stderr);
  });
}
