// Restart policies: on-failure and always, with a back-off that grows from 100 ms, visible in get.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExecutableState, executablesV1 } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, sleep } from "../../helpers/executables.js";
import { cellForTest } from "../../helpers/cell-for-test.js";

const aurae = useDaemon();
const { RestartMode } = executablesV1;

const cellFor = (t: { after: (fn: () => Promise<unknown>) => void }): Promise<string> => cellForTest(aurae, t, "restart");

test("on-failure restarts a crashing executable with growing delays and gives up after max restarts", async (t) => {
  const cell = await cellFor(t);
  // Each run prints the time it started, in ms, then fails.
  await aurae.client.executables.start({
    spec: { cellName: cell, name: "crash", argv: ["sh", "-c", "date +%s%3N; exit 1"], restart: { mode: RestartMode.RESTART_MODE_ON_FAILURE, maxRestarts: 4 } },
  });
  const { executable } = await aurae.client.executables.wait({ cellName: cell, name: "crash" }, { deadline: 20_000 });
  assert.equal(executable?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED);
  assert.equal(executable?.status?.restartCount, 4);
  assert.equal(executable?.status?.exit?.code, 1);
  const starts = (await collectLogs(aurae.client, cell, "crash", false)).map((e) => Number(e.line.toString()));
  assert.equal(starts.length, 5, "the first run and four restarts, all in one log");
  const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
  // Delays of 100, 200, 400 and 800 ms, each plus the time a start takes.
  for (const [i, gap] of gaps.entries()) assert.ok(gap >= 100 * 2 ** i, `gap ${i} is ${gap} ms: ${gaps.join(", ")}`);
  assert.ok(gaps[3]! > gaps[0]! * 3, `delays grow: ${gaps.join(", ")}`);
});

test("get shows BACKOFF with the restart count and the next attempt while a restart is pending", async (t) => {
  const cell = await cellFor(t);
  await aurae.client.executables.start({
    spec: { cellName: cell, name: "slow", argv: ["false"], restart: { mode: RestartMode.RESTART_MODE_ON_FAILURE, maxDelayMs: 100_000 } },
  });
  let seen: executablesV1.Executable | undefined;
  for (let i = 0; i < 200 && !seen; i++) {
    const { executable } = await aurae.client.executables.get({ cellName: cell, name: "slow" });
    if (executable?.status?.state === ExecutableState.EXECUTABLE_STATE_BACKOFF && executable.status.restartCount >= 3) seen = executable;
    else await sleep(20);
  }
  assert.ok(seen, "reached BACKOFF after a few restarts");
  assert.ok(seen.status!.nextRestartAt! > new Date(Date.now() - 1000));
  const { executable } = await aurae.client.executables.stop({ cellName: cell, name: "slow" });
  assert.equal(executable?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED, "stop cancels the pending restart");
  const count = executable!.status!.restartCount;
  await sleep(1500);
  assert.equal((await aurae.client.executables.get({ cellName: cell, name: "slow" })).executable?.status?.restartCount, count);
});

test("always restarts an executable that exits cleanly; on-failure does not; stop ends it for good", async (t) => {
  const cell = await cellFor(t);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "clean", argv: ["true"], restart: { mode: RestartMode.RESTART_MODE_ALWAYS } } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "once", argv: ["true"], restart: { mode: RestartMode.RESTART_MODE_ON_FAILURE } } });
  let restarts = 0;
  for (let i = 0; i < 100 && restarts < 3; i++) {
    restarts = (await aurae.client.executables.get({ cellName: cell, name: "clean" })).executable!.status!.restartCount;
    await sleep(50);
  }
  assert.ok(restarts >= 3, `always restarted a clean exit ${restarts} times`);
  const once = await aurae.client.executables.wait({ cellName: cell, name: "once" }, { deadline: 5000 });
  assert.equal(once.executable?.status?.restartCount, 0);
  assert.equal(once.executable?.status?.exit?.code, 0);
  const stopped = await aurae.client.executables.stop({ cellName: cell, name: "clean", gracePeriodMs: 1000 });
  assert.equal(stopped.executable?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED);
});
