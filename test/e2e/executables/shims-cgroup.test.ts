// Shims live in a cgroup of their own below our root (aurae.shims), not in auraed's: a service manager that stops
// auraed's cgroup (systemd's KillMode=control-group) would otherwise kill every workload's monitor. The workload
// itself is in its leaf, and a restarted auraed's reconcile keeps the shims' cgroup (no desired state names it).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive } from "../../helpers/executables.js";

const aurae = useDaemon();

/** The cgroup paths of a process, one per hierarchy, from /proc/PID/cgroup ("4:memory:/a/b" -> "/a/b"). */
async function cgroupsOf(pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cgroup`, "utf8")).split("\n").filter(Boolean).map((line) => line.split(":").slice(2).join(":"));
}

test("a shim runs in aurae.shims, its workload in its leaf, and a restarted auraed keeps aurae.shims", async (t) => {
  const cell = await cellForTest(aurae, t, "shims");
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "watched", argv: ["sleep", "600"] } });
  const runDir = join(aurae.stateDir, "executables", cell, "watched", "runs", "0");
  const shim = Number((await readFile(join(runDir, "shim.pid"), "utf8")).trim());
  const shims = `/${aurae.cgroupRoot}/aurae.shims`;

  const shimCgroups = await cgroupsOf(shim);
  assert.ok(shimCgroups.includes(shims), `the shim is in ${shimCgroups.join(", ")}`);
  assert.ok(!(await cgroupsOf(process.pid)).includes(shims), "the test runner itself is in aurae.shims");
  const workloadCgroups = await cgroupsOf(executable!.status!.pid);
  assert.ok(workloadCgroups.includes(`/${aurae.cgroupRoot}/${cell}/watched.exe`), `the workload is in ${workloadCgroups.join(", ")}`);
  assert.ok(!workloadCgroups.includes(shims));

  await aurae.stop();
  await aurae.start();
  assert.ok(isAlive(shim), "the shim did not outlive auraed");
  assert.ok((await cgroupsOf(shim)).includes(shims), "the reconcile moved or removed the shims' cgroup");
  assert.doesNotMatch(await aurae.log(), /"cgroup":"aurae\.shims"/);
  await aurae.client.executables.stop({ cellName: cell, name: "watched", gracePeriodMs: 1000 });
});
