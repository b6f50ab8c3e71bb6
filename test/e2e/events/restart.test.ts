// The event log is in the node database: it survives auraed being killed, and a watcher cut off by a shutdown
// resumes on the restarted daemon with its last sequence and misses nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AuraeClientError } from "../../../src/client/index.js";
import type { Event } from "../../../src/gen/aurae/events/v1/events.js";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { allocateAndFree, collectWatch, describeEvent, listAll, waitFor } from "./read-events.js";

const aurae = useDaemon();

test("events survive a SIGKILL of auraed, and the restarted daemon records daemon.started after them", async () => {
  const churned = await allocateAndFree(aurae.client, [uniqueName("before-kill")]);
  const before = await listAll(aurae.client);
  await aurae.kill9();
  await aurae.start();
  const after = await listAll(aurae.client);
  assert.deepEqual(after.slice(0, before.length), before);
  assert.deepEqual(after.slice(before.length).map(describeEvent), ["daemon.started "], "killed: no daemon.stopped");
  const started = after.at(-1)!;
  assert.equal(started.attributes.pid, String(aurae.pid));
  assert.ok(started.sequence > before.at(-1)!.sequence);
  assert.deepEqual(before.slice(-2).map(describeEvent), churned, "the cell events from before the kill");
});

test("SIGTERM records daemon.stopped and ends a following Watch with UNAVAILABLE; it resumes after the restart", async () => {
  const history = await listAll(aurae.client);
  const received: Event[] = [];
  const following = (async (): Promise<unknown> => {
    try {
      for await (const { events } of aurae.client.events.watch({ follow: true }, { resume: false })) received.push(...events);
      return undefined;
    } catch (err) {
      return err;
    }
  })();
  await waitFor(() => received.length >= history.length, "the follower read the history");
  const churned = await allocateAndFree(aurae.client, [uniqueName("before-stop")]);
  await waitFor(() => received.length >= history.length + churned.length, "the follower read the cell events").catch(() => undefined);
  const stoppedPid = String(aurae.pid);
  await aurae.stop();
  const ended = await following;
  assert.ok(ended instanceof AuraeClientError && ended.code === "unavailable", String(ended));

  await aurae.start();
  const resumed = await collectWatch(aurae.client, { afterSequence: received.at(-1)!.sequence });
  const all = [...received, ...resumed];
  assert.deepEqual(all, await listAll(aurae.client), "every event exactly once, in order");
  const stopped = all.find((e) => e.kind === "daemon.stopped")!;
  assert.deepEqual(stopped.attributes, { signal: "SIGTERM" });
  assert.deepEqual(all.at(-1)!.attributes, { pid: String(aurae.pid) });
  assert.notEqual(stoppedPid, String(aurae.pid));
  assert.deepEqual(all.slice(history.length).map(describeEvent), [...churned, "daemon.stopped ", "daemon.started "]);
});
