import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { openDatabase } from "../../../src/store/database.js";
import { EventsStore, type EventRow } from "../../../src/store/events-store.js";
import { tempDir } from "../helpers/temp-dir.js";

async function openStore(t: TestContext): Promise<EventsStore> {
  const db = openDatabase(join(await tempDir(t), "aurae.db"));
  t.after(() => db.close());
  return new EventsStore(db);
}

const row = (timeMs: number, kind: string, cell: string | null = null): Omit<EventRow, "sequence"> =>
  ({ timeMs, kind, cell, executable: null, attributes: "{}", labels: "{}" });

const ALL = { after: 0, through: Number.MAX_SAFE_INTEGER, limit: 1000 };

test("hands out sequences from 1 and never again, even once their rows are pruned", async (t) => {
  const store = await openStore(t);
  assert.equal(store.lastSequence(), 0);
  assert.deepEqual([1, 2, 3].map((i) => store.insert(row(i, "cell.allocated"))), [1, 2, 3]);
  assert.equal(store.prune({ throughSequence: 3, beforeTimeMs: 0 }), 3);
  assert.equal(store.lastSequence(), 3);
  assert.equal(store.insert(row(4, "cell.freed")), 4);
});

test("prunes by sequence and by age, each alone", async (t) => {
  const store = await openStore(t);
  for (const timeMs of [50, 10, 40, 30]) store.insert(row(timeMs, "cell.allocated"));
  assert.equal(store.prune({ throughSequence: 1, beforeTimeMs: 35 }), 3); // sequence 1, then 2 (time 10) and 4 (time 30)
  assert.deepEqual(store.page(ALL).map((r) => r.sequence), [3]);
});

test("pages in sequence order between the bounds, at most limit rows", async (t) => {
  const store = await openStore(t);
  for (let i = 1; i <= 10; i++) store.insert(row(i, "cell.allocated", "a"));
  assert.deepEqual(store.page({ after: 2, through: 8, limit: 3 }).map((r) => r.sequence), [3, 4, 5]);
  assert.deepEqual(store.page({ after: 6, through: 8, limit: 3 }).map((r) => r.sequence), [7, 8]);
  assert.deepEqual(store.page({ ...ALL, after: 10 }), []);
});

test("matches a cell and its descendants, and kinds exactly or by a prefix ending in a dot", async (t) => {
  const store = await openStore(t);
  store.insert(row(1, "cell.allocated", "a"));
  store.insert(row(2, "executable.started", "a/b"));
  store.insert(row(3, "cell.allocated", "ab"));
  store.insert(row(4, "daemon.started"));
  const seqs = (q: { cell?: string; kinds?: string[] }) => store.page({ ...ALL, ...q }).map((r) => r.sequence);
  assert.deepEqual(seqs({ cell: "a" }), [1, 2]);
  assert.deepEqual(seqs({ kinds: ["cell."] }), [1, 3]);
  assert.deepEqual(seqs({ kinds: ["daemon.started", "executable."] }), [2, 4]);
  assert.deepEqual(seqs({ kinds: ["cell.", "executable."], cell: "a" }), [1, 2]);
  assert.deepEqual(seqs({ kinds: [] }), [1, 2, 3, 4]);
});
