// An exit that happens while auraed is down is not lost: the shim wrote it down, and the next auraed records it as
// it happened (code and time) and applies the restart policy to it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExecutableState, executablesV1 } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, sleep } from "../../helpers/executables.js";
import { waitForStatus } from "../../helpers/wait-for-status.js";

const aurae = useDaemon();
const { RestartMode } = executablesV1;

test("exits while auraed is down are recorded with their code and time, and an on-failure one is restarted once", async (t) => {
  const cell = await cellForTest(aurae, t, "down");
  const { executable: seven } = await aurae.client.executables.start({
    spec: { cellName: cell, name: "seven", argv: ["sh", "-c", "sleep 1; exit 7"] },
  });
  const { executable: three } = await aurae.client.executables.start({
    spec: {
      cellName: cell,
      name: "three",
      argv: ["sh", "-c", "echo run; sleep 1; exit 3"],
      restart: { mode: RestartMode.RESTART_MODE_ON_FAILURE, maxRestarts: 1 },
    },
  });
  await aurae.kill9();
  await sleep(2000);
  const backAtMs = Date.now();
  await aurae.start();

  const { executable: seen } = await aurae.client.executables.get({ cellName: cell, name: "seven" });
  assert.equal(seen?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED);
  assert.equal(seen?.status?.exit?.code, 7);
  assert.equal(seen?.status?.exit?.lost, false, "the shim saw the exit");
  assert.equal(seen?.status?.pid, seven!.status!.pid);
  const ranMs = seen!.status!.exitedAt!.getTime() - seven!.status!.startedAt!.getTime();
  assert.ok(ranMs >= 1000 && ranMs < 1900, `exited_at is when it exited, ${ranMs} ms after its start, not when auraed came back`);

  // Its policy waits 100 ms before the first restart.
  const restarted = await waitForStatus(aurae.client, cell, "three", "its first restart", (s) =>
    s.state === ExecutableState.EXECUTABLE_STATE_RUNNING && s.restartCount === 1);
  assert.notEqual(restarted.status?.pid, three!.status!.pid);
  assert.ok(restarted.status!.startedAt!.getTime() >= backAtMs, "restarted once auraed was back");
  const { executable: done } = await aurae.client.executables.wait({ cellName: cell, name: "three" }, { deadline: 10_000 });
  assert.equal(done?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED);
  assert.equal(done?.status?.exit?.code, 3);
  assert.equal(done?.status?.restartCount, 1, "max_restarts 1: no second restart");
  assert.deepEqual((await collectLogs(aurae.client, cell, "three", false)).map((e) => e.line.toString()), ["run", "run"]);
});
