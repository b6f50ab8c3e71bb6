// A burst of 5,000 events from 2,500 cells allocated and freed, 8 at a time: a watcher from the sequence before the
// burst, whether it follows live or reads afterwards, gets every one exactly once, in the order they happened.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { allocateAndFree, collectWatch, describeEvent, lastSequence, listAll, sequencesOf } from "./read-events.js";

const aurae = useDaemon();
const WORKERS = 8;
const CELLS = 2500;

test("Watch from the sequence before a burst of 5,000 cell events returns each exactly once, in order", async () => {
  const before = await lastSequence(aurae.client);
  const prefix = uniqueName("burst");
  const cellsOf = (w: number) => Array.from({ length: CELLS / WORKERS + (w < CELLS % WORKERS ? 1 : 0) }, (_, i) => `${prefix}-${w}-${i}`);
  const follower = collectWatch(aurae.client, { afterSequence: before, follow: true }, (events) => events.length >= 2 * CELLS, 180_000);
  const expectedByWorker = await Promise.all(Array.from({ length: WORKERS }, (_, w) => allocateAndFree(aurae.client, cellsOf(w))));

  const followed = await follower;
  const read = await collectWatch(aurae.client, { afterSequence: before });
  for (const [how, events] of [["followed", followed], ["read afterwards", read]] as const) {
    assert.equal(events.length, 2 * CELLS, how);
    const seqs = sequencesOf(events);
    assert.ok(seqs.every((s, i) => i === 0 ? s > before : s > seqs[i - 1]!), `${how}: sequences increase`);
    assert.equal(new Set(events.map(describeEvent)).size, 2 * CELLS, `${how}: no event twice`);
    expectedByWorker.forEach((expected, w) => {
      const mine = events.map(describeEvent).filter((d) => d.startsWith(`cell.allocated ${prefix}-${w}-`) || d.startsWith(`cell.freed ${prefix}-${w}-`));
      assert.deepEqual(mine, expected, `${how}: worker ${w}'s events in the order it caused them`);
    });
  }
  assert.deepEqual(sequencesOf(followed), sequencesOf(read));
  assert.deepEqual((await listAll(aurae.client)).filter((e) => e.sequence > before), read, "List agrees with Watch");
});
