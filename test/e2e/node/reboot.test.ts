// A simulated reboot: auraed, every shim, workload and reaper killed with SIGKILL (so no exit is written down) and
// the cgroups gone, only the state directory left. The next auraed rebuilds the cells, limits and reapers, records
// the lost workloads as lost, and restarts those whose policy says so.
import assert from "node:assert/strict";
import { readlink, stat } from "node:fs/promises";
import { test } from "node:test";
import { ExecutableState, executablesV1, mib } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { removeCgroupRoot } from "../../helpers/cgroups.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, sleep } from "../../helpers/executables.js";
import { processesUnder, shimsOf } from "../../helpers/node-state.js";
import { waitForStatus } from "../../helpers/wait-for-status.js";

const aurae = useDaemon();
const { RestartMode } = executablesV1;

test("after a reboot, cells, limits and reapers come back, and lost workloads are restarted or recorded as lost", async (t) => {
  const iso = await cellForTest(aurae, t, "iso", { isolation: { pid: true, mount: true } });
  const plain = await cellForTest(aurae, t, "plain", { memory: { maxBytes: mib(64) }, pids: { max: 100n } });
  const sleeper = (cellName: string, name: string, mode: executablesV1.RestartMode) =>
    aurae.client.executables.start({ spec: { cellName, name, argv: ["sleep", "600"], restart: { mode } } }).then((r) => r.executable!);
  const always = await sleeper(iso, "always", RestartMode.RESTART_MODE_ALWAYS);
  const onFailure = await sleeper(plain, "on-failure", RestartMode.RESTART_MODE_ON_FAILURE);
  const never = await sleeper(plain, "never", RestartMode.RESTART_MODE_NO);
  const oldInitPid = (await aurae.client.cells.get({ name: iso })).cell!.status!.initPid;

  await aurae.kill9();
  await powerOff();
  await aurae.start();

  for (const name of [iso, plain]) {
    const { cell } = await aurae.client.cells.get({ name });
    assert.ok(cell!.status!.cgroupPaths.length > 0);
    for (const dir of cell!.status!.cgroupPaths) assert.ok(await stat(dir).then((s) => s.isDirectory(), () => false), `${dir} exists again`);
  }
  assert.equal(await aurae.cgroupFile("memory", plain, { v1: "memory.limit_in_bytes", v2: "memory.max" }), String(mib(64)));
  assert.equal(await aurae.cgroupFile("pids", plain, { v1: "pids.max", v2: "pids.max" }), "100");
  const initPid = (await aurae.client.cells.get({ name: iso })).cell!.status!.initPid;
  assert.ok(initPid > 0 && initPid !== oldInitPid && isAlive(initPid), `a new reaper runs (${oldInitPid} -> ${initPid})`);

  for (const old of [always, onFailure]) {
    const now = await waitForStatus(aurae.client, old.spec!.cellName, old.spec!.name, "a restart by its policy", (s) =>
      s.state === ExecutableState.EXECUTABLE_STATE_RUNNING && s.restartCount === 1);
    assert.notEqual(now.status!.pid, old.status!.pid);
    assert.ok(isAlive(now.status!.pid));
    assert.equal(now.status!.exit?.lost, true, `${old.spec!.name}: the previous run was lost`);
  }
  const alwaysPid = (await aurae.client.executables.get({ cellName: iso, name: "always" })).executable!.status!.pid;
  assert.equal(await readlink(`/proc/${alwaysPid}/ns/pid`), await readlink(`/proc/${initPid}/ns/pid`), "restarted inside the new reaper's namespaces");
  const { executable: gone } = await aurae.client.executables.get({ cellName: plain, name: "never" });
  assert.equal(gone?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED);
  assert.equal(gone?.status?.exit?.lost, true);
  assert.equal(gone?.status?.restartCount, 0);
  assert.equal(gone?.status?.pid, never.status!.pid, "the pid it had, for reference");
});

/**
 * What a reboot does to our part of the node: every shim of this daemon and every process in our cgroups gone,
 * unannounced, and the cgroups too.
 */
async function powerOff(): Promise<void> {
  // Shims first, so none of them sees its child die and writes the exit down.
  const shims = [...(await shimsOf(aurae.stateDir)).keys()];
  assert.ok(shims.length >= 3, `a shim per workload: found ${shims.join(", ")}`);
  shims.forEach(kill9);
  const inCgroups = [...(await processesUnder(aurae.cgroupRoot))];
  inCgroups.forEach(kill9);
  const doomed = [...shims, ...inCgroups];
  for (let i = 0; doomed.some(isAlive); i++) {
    assert.ok(i < 250, `still alive after SIGKILL: ${doomed.filter(isAlive).join(", ")}`);
    await sleep(20);
  }
  await removeCgroupRoot(aurae.cgroupRoot);
}

function kill9(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // ended with its shim or its reaper
  }
}
