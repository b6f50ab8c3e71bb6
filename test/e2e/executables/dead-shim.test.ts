// A shim that dies without writing a status (the OOM killer, an operator's kill -9, a service manager stopping
// auraed's cgroup) is noticed: the executable is recorded as lost, what it left in its cgroup goes, and its restart
// policy applies. Before, it stayed RUNNING for ever and a Stop ended in "survived SIGKILL".
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { ExecutableState, executablesV1 } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, sleep } from "../../helpers/executables.js";
import { isRunning } from "../../helpers/processes.js";
import { waitForStatus } from "../../helpers/wait-for-status.js";

// Every test here kills a shim: the daemon reports each lost executable at error level.
const aurae = useDaemon({ expectErrors: [/the shim died without recording an exit/] });
const { RestartMode } = executablesV1;

/** Kills the shim of run `run` of cell/name with SIGKILL, as the OOM killer would; answers its pid. */
async function killShim(cell: string, name: string, run: number): Promise<number> {
  const dir = join(aurae.stateDir, "executables", cell.replaceAll("/", "."), name, "runs", String(run));
  const pid = Number((await readFile(join(dir, "shim.pid"), "utf8")).trim());
  assert.ok(pid > 0 && pid !== process.pid);
  process.kill(pid, "SIGKILL");
  for (let i = 0; isAlive(pid); i++) {
    assert.ok(i < 250, `shim ${pid} survived SIGKILL`);
    await sleep(20);
  }
  return pid;
}

test("a dead shim's executable is recorded as lost, and its workload goes with it", async (t) => {
  const cell = await cellForTest(aurae, t, "shim");
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "orphan", argv: ["sleep", "600"] } });
  const workload = executable!.status!.pid;
  await killShim(cell, "orphan", 0);
  const after = await waitForStatus(aurae.client, cell, "orphan", "lost after its shim died", (s) => s.state === ExecutableState.EXECUTABLE_STATE_EXITED, 15_000);
  assert.equal(after.status?.exit?.lost, true);
  assert.equal(isRunning(workload), false, "the workload no shim watched was killed with its cgroup");
  assert.match(await aurae.log(), /the shim died without recording an exit/);
});

test("a dead shim's executable is restarted by its policy", async (t) => {
  const cell = await cellForTest(aurae, t, "shim");
  const { executable } = await aurae.client.executables.start({
    spec: { cellName: cell, name: "always", argv: ["sleep", "600"], restart: { mode: RestartMode.RESTART_MODE_ALWAYS } },
  });
  await killShim(cell, "always", 0);
  const restarted = await waitForStatus(aurae.client, cell, "always", "a restart after its shim died", (s) =>
    s.state === ExecutableState.EXECUTABLE_STATE_RUNNING && s.restartCount === 1, 15_000);
  assert.notEqual(restarted.status!.pid, executable!.status!.pid);
  assert.ok(isAlive(restarted.status!.pid));
  // And a Stop now works as for any other run.
  await aurae.client.executables.stop({ cellName: cell, name: "always", gracePeriodMs: 1000 });
});
