// A Stop is desired state like any other: when auraed dies during the grace period, the next auraed finishes it,
// so the executable does not stay STOPPING with its process running for ever.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExecutableState } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, sleep, waitForExit, waitForLine } from "../../helpers/executables.js";
import { waitForStatus } from "../../helpers/wait-for-status.js";

const aurae = useDaemon();
const GRACE_MS = 2000;

test("a Stop interrupted by SIGKILL of auraed is finished by the next auraed: SIGKILL once the grace period is over", async (t) => {
  const cell = await cellForTest(aurae, t, "halt");
  // Ignores SIGTERM (an ignored signal stays ignored across exec), so only the SIGKILL after the grace ends it.
  const { executable } = await aurae.client.executables.start({
    spec: { cellName: cell, name: "stubborn", argv: ["sh", "-c", "trap '' TERM; echo ready; exec sleep 600"] },
  });
  await waitForLine(aurae.client, cell, "stubborn", "ready"); // SIGTERM is ignored from here on
  const pid = executable!.status!.pid;
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, "SIGKILL"); // only the pid this test started
  });
  const stopAskedAtMs = Date.now();
  const stopping = aurae.client.executables.stop({ cellName: cell, name: "stubborn", gracePeriodMs: GRACE_MS }).catch(() => undefined);
  await waitForStatus(aurae.client, cell, "stubborn", "the stop to begin", (s) => s.state === ExecutableState.EXECUTABLE_STATE_STOPPING);
  await sleep(200); // SIGTERM sent, and ignored
  await aurae.kill9();
  await stopping;
  assert.ok(isAlive(pid), "SIGTERM alone did not end it");
  await aurae.start();

  // However the next auraed counts the grace period (the one asked for, or its default of 10 s), it is over by then.
  const exited = await waitForExit(aurae.client, cell, "stubborn", 15_000);
  assert.equal(exited.status?.exit?.signal, 9, "killed once the grace period was over");
  assert.equal(isAlive(pid), false);
  assert.ok(exited.status!.exitedAt!.getTime() >= stopAskedAtMs + GRACE_MS - 100, "not before the grace period the caller gave it");
});
