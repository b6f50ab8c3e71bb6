// A log follow and an event watch through the client outlive auraed being killed and started again: each picks
// up after the last item it delivered, so the caller sees every line and every event exactly once, in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Event } from "../../../src/gen/aurae/events/v1/events.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { allocateAndFree, listAll, waitFor } from "../events/read-events.js";

const aurae = useDaemon();
const LINES = 300;

test("a following GetLogs and a following Watch lose and repeat nothing across a kill -9 and restart of auraed", { timeout: 120_000 }, async (t) => {
  const client = await aurae.connect();
  const cell = await cellForTest(aurae, t, "resume");
  // Writes on while auraed is down: the shim, not the daemon, owns the process and its log.
  const count = `i=0; while [ $i -lt ${LINES} ]; do i=$((i+1)); echo $i; sleep 0.01; done`;
  await client.executables.start({ spec: { cellName: cell, name: "count", argv: ["sh", "-c", count] } });

  const reconnects = { logs: 0, events: 0 };
  const lines: string[] = [];
  const logs = (async () => {
    const stream = client.observe.getLogs(
      { cellName: cell, executableName: "count", follow: true },
      { resume: { initialDelayMs: 50, onReconnect: () => reconnects.logs++ } },
    );
    for await (const { entries } of stream) lines.push(...entries.map((e) => e.line.toString()));
  })();
  const watching = new AbortController();
  const events: Event[] = [];
  const watch = (async () => {
    const stream = client.events.watch({ follow: true }, { signal: watching.signal, resume: { initialDelayMs: 50, onReconnect: () => reconnects.events++ } });
    for await (const batch of stream) events.push(...batch.events);
  })().catch((err: unknown) => {
    if (!watching.signal.aborted) throw err;
  });

  await waitFor(() => lines.length >= 20 && events.length > 0, "both streams delivered something");
  await aurae.kill9();
  await aurae.start();
  await allocateAndFree(aurae.client, [uniqueName("after-restart")]); // events recorded after the restart

  await logs; // a follow of one executable ends once it exited and its output closed
  const recorded = await listAll(aurae.client);
  await waitFor(() => events.length >= recorded.length, "the watch caught up with the event log", 20_000);
  watching.abort();
  await watch;

  assert.deepEqual(lines, Array.from({ length: LINES }, (_, i) => String(i + 1)), "every line once, in order");
  assert.deepEqual(events, recorded, "every event once, in order");
  assert.ok(events.some((e) => e.kind === "daemon.started" && e.attributes.pid === String(aurae.pid)), "events of the new daemon too");
  assert.ok(reconnects.logs >= 1 && reconnects.events >= 1, `both streams reconnected: ${JSON.stringify(reconnects)}`);
});
