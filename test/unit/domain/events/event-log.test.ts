// The event log against a real SQLite file: what is recorded is what is read back, in order, exactly once, by
// listing, by watching history and by following live records; and retention keeps what it promises.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { EventLog, type WatchQuery } from "../../../../src/domain/events/event-log.js";
import type { NewEvent, RecordedEvent } from "../../../../src/domain/events/event.js";
import type { Retention } from "../../../../src/domain/events/retention.js";
import { parseLabelSelector } from "../../../../src/domain/labels/label-selector.js";
import { openDatabase } from "../../../../src/store/database.js";
import { EventsStore } from "../../../../src/store/events-store.js";
import { tempDir } from "../../helpers/temp-dir.js";

interface Opened {
  readonly events: EventLog;
  readonly path: string;
  /** Opens the same database again, as a restarted auraed would. */
  reopen(options?: LogOptions): EventLog;
}

interface LogOptions {
  readonly retention?: Retention;
  readonly now?: () => number;
}

async function openLog(t: TestContext, options: LogOptions = {}): Promise<Opened> {
  const path = join(await tempDir(t), "aurae.db");
  const open = (opts: LogOptions): EventLog => {
    const db = openDatabase(path);
    t.after(() => db.close());
    return new EventLog({ store: new EventsStore(db), ...opts });
  };
  return { events: open(options), path, reopen: (opts = {}) => open(opts) };
}

const WATCH: WatchQuery = { afterSequence: 0, fromNow: false, follow: false };

/** Every batch of a watch that ends by itself. */
async function batchesOf(events: EventLog, query: Partial<WatchQuery>): Promise<RecordedEvent[][]> {
  const batches: RecordedEvent[][] = [];
  for await (const batch of events.watch({ ...WATCH, ...query }, new AbortController().signal)) batches.push(batch);
  return batches;
}

const readAll = async (events: EventLog, query: Partial<WatchQuery> = {}): Promise<RecordedEvent[]> =>
  (await batchesOf(events, query)).flat();

const sequences = (events: readonly RecordedEvent[]): number[] => events.map((e) => e.sequence);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function recordCells(events: EventLog, count: number): RecordedEvent[] {
  return Array.from({ length: count }, (_, i) => events.record({ kind: "cell.allocated", cell: `c${i}` }));
}

test("records each event with the next sequence, its time, names, attributes and labels, and reads it back the same", async (t) => {
  const { events } = await openLog(t);
  const before = Date.now();
  const recorded = events.record({
    kind: "executable.exited", cell: "web/api", executable: "server", attributes: { code: "3", oom_killed: "false" }, labels: { app: "web" },
  });
  const daemon = events.record({ kind: "daemon.stopped" });
  assert.equal(daemon.sequence, recorded.sequence + 1);
  assert.ok(recorded.time.getTime() >= before && recorded.time.getTime() <= Date.now());
  assert.deepEqual(
    { ...recorded, time: undefined },
    {
      sequence: recorded.sequence, time: undefined, kind: "executable.exited", cell: "web/api", executable: "server",
      attributes: { code: "3", oom_killed: "false" }, labels: { app: "web" },
    },
  );
  assert.deepEqual(daemon.attributes, {});
  assert.deepEqual(daemon.labels, {});
  assert.equal("cell" in daemon, false);
  assert.deepEqual(await readAll(events), [recorded, daemon]);
  assert.deepEqual(events.list({}, { pageSize: 0, pageToken: "" }).events, [recorded, daemon]);
});

test("lists oldest first, a page at a time, each event exactly once", async (t) => {
  const { events } = await openLog(t);
  const recorded = recordCells(events, 25);
  const listed: RecordedEvent[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const page = events.list({}, { pageSize: 10, pageToken });
    listed.push(...page.events);
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken !== "");
  assert.equal(pages, 3);
  assert.deepEqual(listed, recorded);
});

test("filters by cell: a cell's own events and those of the cells below it, not a cell that only shares a prefix", async (t) => {
  const { events } = await openLog(t);
  const cells = ["a", "a/b", "a/b/c", "ab", "b", "a-b"];
  for (const cell of cells) events.record({ kind: "cell.allocated", cell });
  events.record({ kind: "executable.started", cell: "a/b", executable: "x" });
  events.record({ kind: "daemon.started" });
  const cellsOf = (list: RecordedEvent[]) => list.map((e) => `${e.kind} ${e.cell}`);
  const expected = ["cell.allocated a", "cell.allocated a/b", "cell.allocated a/b/c", "executable.started a/b"];
  assert.deepEqual(cellsOf(await readAll(events, { cell: "a" })), expected);
  assert.deepEqual(cellsOf(events.list({ cell: "a" }, { pageSize: 0, pageToken: "" }).events), expected);
  assert.deepEqual(cellsOf(await readAll(events, { cell: "a/b/c" })), ["cell.allocated a/b/c"]);
  assert.deepEqual(cellsOf(await readAll(events, { cell: "ab" })), ["cell.allocated ab"]);
  assert.equal((await readAll(events, { cell: "" })).length, cells.length + 2, "an empty cell name means every event");
});

test("filters by kind: exact kinds, and prefixes ending in a dot", async (t) => {
  const { events } = await openLog(t);
  const kinds: NewEvent["kind"][] = ["cell.allocated", "executable.started", "executable.exited", "cell.freed", "daemon.started"];
  for (const kind of kinds) events.record({ kind, cell: kind.startsWith("daemon") ? undefined : "a" });
  const kindsOf = async (filter: string[]) => (await readAll(events, { kinds: filter })).map((e) => e.kind);
  assert.deepEqual(await kindsOf(["executable."]), ["executable.started", "executable.exited"]);
  assert.deepEqual(await kindsOf(["cell.freed", "daemon."]), ["cell.freed", "daemon.started"]);
  assert.deepEqual(await kindsOf(["cell"]), [], "without its dot, a kind is exact");
  assert.deepEqual(await kindsOf(["executable.exit"]), [], "an exact kind is not a prefix");
  assert.deepEqual(await kindsOf([]), kinds);
  assert.deepEqual((await readAll(events, { kinds: ["cell."], cell: "a" })).map((e) => e.kind), ["cell.allocated", "cell.freed"]);
});

test("filters by label selector on the labels each event was recorded with, in List and in a following Watch", async (t) => {
  const { events } = await openLog(t);
  events.record({ kind: "cell.allocated", cell: "a", labels: { app: "web" } });
  events.record({ kind: "cell.allocated", cell: "b", labels: { app: "db" } });
  events.record({ kind: "daemon.started" });
  const selector = parseLabelSelector("app notin (db)");
  const cellsOf = (list: RecordedEvent[]) => list.map((e) => e.cell ?? "-");
  assert.deepEqual(cellsOf(events.list({ selector }, { pageSize: 0, pageToken: "" }).events), ["a", "-"]);
  assert.deepEqual(cellsOf(events.list({ selector: parseLabelSelector("app") }, { pageSize: 1, pageToken: "" }).events), ["a"]);
  const ac = new AbortController();
  const watch = events.watch({ ...WATCH, selector: parseLabelSelector("app=web"), follow: true }, ac.signal);
  assert.deepEqual(cellsOf((await watch.next()).value as RecordedEvent[]), ["a"]);
  const next = watch.next();
  events.record({ kind: "cell.updated", cell: "b", labels: { app: "db" } });
  events.record({ kind: "cell.updated", cell: "b", labels: { app: "web" } }); // the labels it had then decide
  assert.deepEqual(cellsOf((await next).value as RecordedEvent[]), ["b"]);
  ac.abort();
});

test("watches from a sequence: the events after it, then, following, each new one as it is recorded", async (t) => {
  const { events } = await openLog(t);
  const history = recordCells(events, 10);
  const ac = new AbortController();
  const watch = events.watch({ ...WATCH, afterSequence: history[6]!.sequence, follow: true }, ac.signal);
  assert.deepEqual((await watch.next()).value, history.slice(7));
  const next = watch.next(); // waits: nothing new yet
  const live = events.record({ kind: "cell.freed", cell: "c0" });
  assert.deepEqual((await next).value, [live]);
  const burst = recordCells(events, 3); // recorded before the watcher runs again: one batch
  assert.deepEqual((await watch.next()).value, burst);
  ac.abort();
  assert.deepEqual(await watch.next(), { done: true, value: undefined });
});

test("without follow, a watch ends once it read everything recorded", async (t) => {
  const { events } = await openLog(t);
  const recorded = recordCells(events, 3);
  assert.deepEqual(await readAll(events), recorded);
  assert.deepEqual(await readAll(events, { afterSequence: recorded[2]!.sequence }), []);
});

test("from_now skips the history and streams only what is recorded after the watch began", async (t) => {
  const { events } = await openLog(t);
  recordCells(events, 5);
  const ac = new AbortController();
  const watch = events.watch({ ...WATCH, fromNow: true, follow: true }, ac.signal);
  const first = watch.next();
  const live = events.record({ kind: "daemon.stopped" });
  assert.deepEqual((await first).value, [live]);
  ac.abort();
  assert.equal((await watch.next()).done, true);
  assert.deepEqual(await readAll(events, { fromNow: true }), []);
});

test("aborting ends a watch that waits for new events, and a watch aborted before it starts reads nothing", async (t) => {
  const { events } = await openLog(t);
  const ac = new AbortController();
  const watch = events.watch({ ...WATCH, follow: true }, ac.signal);
  const waiting = watch.next();
  setTimeout(() => ac.abort(), 10);
  assert.deepEqual(await waiting, { done: true, value: undefined });
  recordCells(events, 1);
  const aborted = events.watch({ ...WATCH, follow: true }, AbortSignal.abort());
  assert.equal((await aborted.next()).done, true);
});

test("close lets a following watch read what was recorded, then ends it with unavailable naming the resume position", async (t) => {
  const { events } = await openLog(t);
  const watch = events.watch({ ...WATCH, follow: true }, new AbortController().signal);
  const waiting = watch.next();
  const last = events.record({ kind: "daemon.stopped", attributes: { signal: "SIGTERM" } });
  events.close();
  assert.deepEqual((await waiting).value, [last]);
  await assert.rejects(watch.next(), { kind: "unavailable", message: new RegExp(`after_sequence ${last.sequence} to resume`) });
  assert.deepEqual(await readAll(events), [last], "a watch without follow is not cut short");
});

test("a watcher far behind reads 5,000 events in batches of at most 1,000, in order, each exactly once", async (t) => {
  const { events } = await openLog(t);
  const first = events.record({ kind: "daemon.started" });
  const burst = recordCells(events, 5000);
  const batches = await batchesOf(events, { afterSequence: first.sequence });
  assert.ok(batches.every((b) => b.length <= 1000), `batch sizes ${batches.map((b) => b.length)}`);
  assert.deepEqual(sequences(batches.flat()), sequences(burst));
});

test("a slow follower misses nothing of a burst recorded while it reads", async (t) => {
  const { events } = await openLog(t);
  const start = events.record({ kind: "daemon.started" }).sequence;
  const ac = new AbortController();
  const seen: RecordedEvent[] = [];
  const following = (async () => {
    for await (const batch of events.watch({ ...WATCH, afterSequence: start, follow: true }, ac.signal)) {
      seen.push(...batch);
      await new Promise((r) => setTimeout(r, 1)); // slower than the recorder
      if (seen.length >= 5000) ac.abort();
    }
  })();
  const recorded: RecordedEvent[] = [];
  for (let i = 0; i < 50; i++) {
    recorded.push(...recordCells(events, 100));
    await new Promise((r) => setImmediate(r));
  }
  await following;
  assert.deepEqual(sequences(seen), sequences(recorded));
  assert.deepEqual(sequences(seen), range(start + 1, start + 5000));
});

test("a filtered watch skips non-matching history once, not again on every new record", async (t) => {
  const db = openDatabase(join(await tempDir(t), "aurae.db"));
  t.after(() => db.close());
  const store = new EventsStore(db);
  const starts: number[] = [];
  const page = store.page.bind(store);
  store.page = (query) => (starts.push(query.after), page(query));
  const events = new EventLog({ store });
  recordCells(events, 3000);
  const ac = new AbortController();
  const watch = events.watch({ ...WATCH, kinds: ["daemon."], follow: true }, ac.signal);
  const first = watch.next();
  const stopped = events.record({ kind: "daemon.stopped" });
  assert.deepEqual((await first).value, [stopped]);
  assert.deepEqual(starts, [0, 3000]);
  ac.abort();
});

test("events survive reopening the database, and sequences continue after the last one", async (t) => {
  const opened = await openLog(t);
  const before = recordCells(opened.events, 3);
  const reopened = opened.reopen();
  assert.deepEqual(await readAll(reopened), before);
  assert.equal(reopened.record({ kind: "daemon.started" }).sequence, before[2]!.sequence + 1);
});

test("keeps at most maxEvents, pruning every 1,000 records and on opening", async (t) => {
  const { events, reopen } = await openLog(t, { retention: { maxEvents: 100, maxAgeMs: 86_400_000 } });
  recordCells(events, 999);
  assert.equal((await readAll(events)).length, 999, "no prune before the 1,000th record");
  events.record({ kind: "daemon.stopped" });
  assert.deepEqual(sequences(await readAll(events)), range(901, 1000));
  recordCells(events, 50);
  assert.deepEqual(sequences(await readAll(reopen({ retention: { maxEvents: 10, maxAgeMs: 86_400_000 } }))), range(1041, 1050));
});

test("drops events older than maxAgeMs, on opening and while recording, and hands out no sequence twice", async (t) => {
  let nowMs = Date.parse("2030-01-01T00:00:00Z");
  const retention = { maxEvents: 100_000, maxAgeMs: 60_000 };
  const { events, reopen } = await openLog(t, { retention, now: () => nowMs });
  recordCells(events, 10);
  nowMs += 30_000;
  const recent = recordCells(events, 5);
  nowMs += 45_000; // the first 10 are 75 s old, the 5 are 45 s old
  const reopened = reopen({ retention, now: () => nowMs });
  assert.deepEqual(await readAll(reopened), recent);
  nowMs += 60_000;
  recordCells(reopened, 1000); // the 1,000th record prunes the 5
  const kept = await readAll(reopened);
  assert.equal(kept.length, 1000);
  assert.equal(kept[0]!.sequence, 16);
  reopened.prune();
  nowMs += 60_001;
  reopened.prune();
  assert.deepEqual(await readAll(reopened), []);
  assert.equal(reopened.record({ kind: "daemon.started" }).sequence, 1016);
  assert.deepEqual(await readAll(reopened, { afterSequence: 1015 }), await readAll(reopened));
});

test("refuses bad filters and positions as invalid, naming the field", async (t) => {
  const { events } = await openLog(t);
  const last = events.record({ kind: "daemon.started" }).sequence;
  const watchRejects = (query: Partial<WatchQuery>, field: string) =>
    assert.rejects(readAll(events, query), { kind: "invalid", field }, JSON.stringify(query));
  await watchRejects({ cell: "Web" }, "cell_name");
  await watchRejects({ cell: "a/../b" }, "cell_name");
  await watchRejects({ kinds: ["cell.freed", ""] }, "kinds[1]");
  await watchRejects({ kinds: ["Cell.Freed"] }, "kinds[0]");
  await watchRejects({ kinds: ["cell-freed"] }, "kinds[0]");
  await watchRejects({ kinds: Array<string>(101).fill("cell.") }, "kinds");
  await watchRejects({ afterSequence: -1 }, "after_sequence");
  await watchRejects({ afterSequence: last + 1 }, "after_sequence");
  await watchRejects({ afterSequence: last, fromNow: true }, "from_now");
  const listThrows = (filter: object, page: { pageSize: number; pageToken: string }, field: string) =>
    assert.throws(() => events.list(filter, page), { kind: "invalid", field });
  listThrows({ cell: "a//b" }, { pageSize: 0, pageToken: "" }, "cell_name");
  listThrows({ kinds: ["x y"] }, { pageSize: 0, pageToken: "" }, "kinds[0]");
  listThrows({}, { pageSize: 1001, pageToken: "" }, "page_size");
  listThrows({}, { pageSize: 0, pageToken: "garbage" }, "page_token");
  listThrows({}, { pageSize: 0, pageToken: Buffer.from(JSON.stringify(["-4"])).toString("base64url") }, "page_token");
});
