// The journal over a table of its own kind (a fake: the real tables have their own tests, and the event and audit
// logs test it over SQLite): fields and filters pass through untouched, records are what toRecord makes, positions
// are checked with the journal's noun, and a watch with an end time stops following once that time has passed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Journal, type JournalRow, type JournalStore, type WatchPosition } from "../../../../src/domain/journal/journal.js";
import type { SequenceRange } from "../../../../src/store/sequenced-table.js";

interface Note {
  readonly text: string;
}
type NoteFilter = { readonly startsWith?: string };

/** Notes in memory, filtered by the start of their text. */
class NotesStore implements JournalStore<Note, NoteFilter> {
  readonly epoch = "e1";
  readonly rows: JournalRow<Note>[] = [];
  readonly queries: (NoteFilter & SequenceRange)[] = [];
  #last = 0;
  insert(row: Note & { timeMs: number }): number {
    this.rows.push({ ...row, sequence: ++this.#last });
    return this.#last;
  }
  lastSequence(): number {
    return this.#last;
  }
  page(query: NoteFilter & SequenceRange): JournalRow<Note>[] {
    this.queries.push(query);
    return this.rows
      .filter((r) => r.sequence > query.after && r.sequence <= query.through && r.text.startsWith(query.startsWith ?? ""))
      .slice(0, query.limit);
  }
  prune(limits: { throughSequence: number; beforeTimeMs: number }): number {
    const before = this.rows.length;
    const kept = this.rows.filter((r) => r.sequence > limits.throughSequence && r.timeMs >= limits.beforeTimeMs);
    this.rows.splice(0, this.rows.length, ...kept);
    return before - kept.length;
  }
}

function notes(options: { now?: () => number } = {}) {
  const store = new NotesStore();
  const journal = new Journal<Note, NoteFilter, string>({
    store,
    retention: { maxRecords: 1000, maxAgeMs: 60_000 },
    ...options,
    toRecord: (row) => `${row.sequence}@${row.timeMs}:${row.text}`,
    noun: "note",
  });
  return { store, journal };
}

const FROM_START: WatchPosition = { afterSequence: 0, fromNow: false, follow: false };

async function readAll(journal: Journal<Note, NoteFilter, string>, filter: NoteFilter, position: Partial<WatchPosition> = {}) {
  const read: string[] = [];
  for await (const batch of journal.watch(filter, { ...FROM_START, ...position }, new AbortController().signal)) read.push(...batch);
  return read;
}

test("appends the fields with the time, and answers, lists and watches records made by toRecord", async () => {
  let nowMs = 1000;
  const { store, journal } = notes({ now: () => nowMs });
  assert.equal(journal.append({ text: "a" }), "1@1000:a");
  nowMs = 2000;
  assert.equal(journal.append({ text: "b" }), "2@2000:b");
  assert.deepEqual(store.rows, [{ text: "a", timeMs: 1000, sequence: 1 }, { text: "b", timeMs: 2000, sequence: 2 }]);
  assert.deepEqual(journal.list({}, { pageSize: 0, pageToken: "" }), { records: ["1@1000:a", "2@2000:b"], nextPageToken: "" });
  assert.deepEqual(await readAll(journal, {}), ["1@1000:a", "2@2000:b"]);
});

test("hands the filter to the store as it is, with the window of each read", async () => {
  const { store, journal } = notes({ now: () => 5 });
  for (const text of ["apple", "banana", "avocado"]) journal.append({ text });
  assert.deepEqual(await readAll(journal, { startsWith: "a" }), ["1@5:apple", "3@5:avocado"]);
  assert.deepEqual(store.queries.at(-1), { startsWith: "a", after: 3, through: 3, limit: 1000 });
  const page = journal.list({ startsWith: "b" }, { pageSize: 5, pageToken: "" });
  assert.equal(page.records.length, 1);
  assert.deepEqual(store.queries.at(-1), { startsWith: "b", after: 0, through: 3, limit: 6 });
});

test("names its records by the noun it was given when a position is beyond the newest", async () => {
  const { journal } = notes();
  journal.append({ text: "a" });
  await assert.rejects(readAll(journal, {}, { afterSequence: 2 }), {
    kind: "invalid",
    field: "after_sequence",
    message: "after_sequence: 2 is beyond the newest note of this log (1)",
  });
});

test("refuses to resume in another epoch (a replaced log), naming both; resumes in its own", async () => {
  const { journal } = notes();
  journal.append({ text: "a" });
  journal.append({ text: "b" });
  assert.equal(journal.epoch, "e1");
  await assert.rejects(readAll(journal, {}, { afterSequence: 1, epoch: "e0" }), {
    kind: "precondition",
    message: /^epoch "e0" is not this note log's \("e1"\): the log was replaced .* after_sequence 1 names other notes/,
  });
  assert.deepEqual((await readAll(journal, {}, { afterSequence: 1, epoch: "e1" })).map((r) => r.split(":")[1]), ["b"]);
  assert.equal((await readAll(journal, {}, { afterSequence: 1, epoch: "" })).length, 1); // no epoch: not checked
});

test("a following watch with an end time already past reads what is there and ends", async () => {
  let nowMs = 10_000;
  const { journal } = notes({ now: () => nowMs });
  journal.append({ text: "a" });
  nowMs = 20_000;
  assert.deepEqual(await readAll(journal, {}, { follow: true, endMs: 15_000 }), ["1@10000:a"]);
});

test("a following watch with an end time keeps streaming until it passes, then ends without a new append", async () => {
  const start = Date.now();
  const { journal } = notes();
  const watch = journal.watch({}, { ...FROM_START, follow: true, endMs: start + 150 }, new AbortController().signal);
  const first = watch.next();
  journal.append({ text: "live" });
  assert.match((await first).value![0]!, /^1@\d+:live$/);
  assert.deepEqual(await watch.next(), { done: true, value: undefined });
  assert.ok(Date.now() >= start + 150, `ended after ${Date.now() - start} ms`);
});

test("an end time beyond what a timer can hold waits for appends as usual", async (t) => {
  const { store, journal } = notes();
  const ac = new AbortController();
  t.after(() => ac.abort());
  const watch = journal.watch({}, { ...FROM_START, follow: true, endMs: Date.now() + 2 ** 40 }, ac.signal);
  const first = watch.next();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(store.queries.length, 1, "a timer that overflowed fires at once, and the watch reads again and again");
  journal.append({ text: "late" });
  assert.match((await first).value![0]!, /late$/);
  ac.abort();
  assert.equal((await watch.next()).done, true);
});
