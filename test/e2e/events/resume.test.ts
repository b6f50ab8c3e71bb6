// A watcher that disconnects and comes back with the sequence of the last event it received misses nothing and
// sees nothing twice, however often it reconnects while events keep being recorded.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Event } from "../../../src/gen/aurae/events/v1/events.js";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { allocateAndFree, collectWatch, describeEvent, lastSequence, listAll, sequencesOf } from "./read-events.js";

const aurae = useDaemon();

test("a watcher that disconnects every few events and resumes with its last sequence ends with the complete sequence", async () => {
  const before = await lastSequence(aurae.client);
  const cells = Array.from({ length: 300 }, (_, i) => `${uniqueName("resume")}-${i}`);
  const churn = allocateAndFree(aurae.client, cells);
  const received: Event[] = [];
  let connections = 0;
  while (received.length < 2 * cells.length) {
    const after = received.at(-1)?.sequence ?? before;
    // Each connection takes 37 events (or the rest) and hangs up, as a client that loses its connection would.
    const take = Math.min(37, 2 * cells.length - received.length);
    received.push(...(await collectWatch(aurae.client, { afterSequence: after, follow: true }, (events) => events.length >= take)));
    connections++;
  }
  const expected = await churn;
  assert.ok(connections > 10, `reconnected ${connections} times`);
  assert.deepEqual(received.map(describeEvent), expected);
  assert.deepEqual(sequencesOf(received), sequencesOf((await listAll(aurae.client)).filter((e) => e.sequence > before)));
});

test("a watcher resuming with its last sequence after the events it missed were recorded gets exactly those", async () => {
  const start = await lastSequence(aurae.client);
  const first = await allocateAndFree(aurae.client, [uniqueName("first")]);
  const seen = await collectWatch(aurae.client, { afterSequence: start });
  assert.deepEqual(seen.map(describeEvent), first);
  const missed = await allocateAndFree(aurae.client, [uniqueName("missed-a"), uniqueName("missed-b")]);
  assert.deepEqual((await collectWatch(aurae.client, { afterSequence: seen.at(-1)!.sequence })).map(describeEvent), missed);
});
