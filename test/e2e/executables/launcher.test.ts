// Shims are forked by auraed's launcher (aurae-shim --launcher), which lives in aurae.shims: a shim is born there
// and never writes cgroup.procs (no --shim-cgroup on its command line), and neither it nor the launcher has the
// workload's environment on its command line. A launcher killed with SIGKILL is replaced on the next start; one
// whose auraed was killed ends (EOF on its requests); the shims and workloads run on through both.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, sleep } from "../../helpers/executables.js";
import { parentOf } from "../../helpers/node-state.js";
import { patience } from "../../helpers/patience.js";

const aurae = useDaemon();

const argvOf = async (pid: number): Promise<string[]> => (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").slice(0, -1);
const cgroupsOf = async (pid: number): Promise<string[]> =>
  (await readFile(`/proc/${pid}/cgroup`, "utf8")).split("\n").filter(Boolean).map((line) => line.split(":").slice(2).join(":"));

/** The workload's pid, its shim's and the launcher's (the shim's parent). */
async function startSleep(cell: string, name: string, env: Record<string, string> = {}): Promise<{ pid: number; shim: number; launcher: number }> {
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name, argv: ["sleep", "600"], env } });
  const pid = executable!.status!.pid;
  const shim = (await parentOf(pid))!;
  return { pid, shim, launcher: (await parentOf(shim))! };
}

async function waitGone(pid: number): Promise<void> {
  const deadline = Date.now() + patience(5000);
  while (existsSync(`/proc/${pid}`) && (await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "")).split(") ")[1]?.[0] !== "Z") {
    assert.ok(Date.now() < deadline, `pid ${pid} did not end`);
    await sleep(10);
  }
}

test("the shim is forked by the launcher in aurae.shims, without --shim-cgroup, and no command line holds the environment", async (t) => {
  const cell = await cellForTest(aurae, t, "launched");
  const { pid, shim, launcher } = await startSleep(cell, "s", { SECRET_TOKEN: "hunter2-e2e" });
  assert.notEqual(launcher, aurae.pid, "the shim is auraed's child: Node spawned it");
  const launcherArgv = await argvOf(launcher);
  assert.ok(launcherArgv[0]!.endsWith("aurae-shim") && launcherArgv[1] === "--launcher", launcherArgv.join(" "));
  assert.equal(await parentOf(launcher), aurae.pid);
  const shims = `/${aurae.cgroupRoot}/aurae.shims`;
  assert.ok((await cgroupsOf(launcher)).includes(shims));
  assert.ok((await cgroupsOf(shim)).includes(shims));
  assert.ok(!(await argvOf(shim)).includes("--shim-cgroup"), "the shim moved itself through cgroup.procs");
  for (const p of [launcher, shim, pid]) assert.ok(!(await argvOf(p)).join(" ").includes("hunter2"), `pid ${p}'s command line holds the environment`);
  assert.match(await readFile(`/proc/${pid}/environ`, "utf8"), /(^|\0)SECRET_TOKEN=hunter2-e2e\0/);
  await aurae.client.executables.stop({ cellName: cell, name: "s", gracePeriodMs: 1000 });
});

test("a launcher killed with SIGKILL is replaced on the next start, and the workloads it started run on", async (t) => {
  const cell = await cellForTest(aurae, t, "relaunch");
  const first = await startSleep(cell, "first");
  process.kill(first.launcher, "SIGKILL");
  await waitGone(first.launcher);
  await sleep(100); // auraed sees its exit
  const second = await startSleep(cell, "second");
  assert.notEqual(second.launcher, first.launcher);
  assert.equal((await argvOf(second.launcher))[1], "--launcher");
  assert.ok(isAlive(first.shim) && isAlive(first.pid), "the first workload or its shim died with the launcher");
  assert.match(await aurae.log(), /the shim launcher exited; the next start starts another/);
  for (const name of ["first", "second"]) {
    const { executable } = await aurae.client.executables.stop({ cellName: cell, name, gracePeriodMs: 1000 });
    assert.equal(executable!.status!.exit!.signal, 15, `${name} did not end by its stop`);
  }
});

test("a launcher whose auraed was killed with SIGKILL ends; shims and workloads run on, and the next auraed has its own", async (t) => {
  const cell = await cellForTest(aurae, t, "orphaned");
  const before = await startSleep(cell, "kept");
  await aurae.kill9();
  await waitGone(before.launcher);
  assert.ok(isAlive(before.shim) && isAlive(before.pid), "the shim or its workload died with the launcher");
  await aurae.start();
  const after = await startSleep(cell, "next");
  assert.notEqual(after.launcher, before.launcher);
  for (const name of ["kept", "next"]) {
    const { executable } = await aurae.client.executables.stop({ cellName: cell, name, gracePeriodMs: 1000 });
    assert.equal(executable!.status!.exit!.signal, 15, `${name} did not end by its stop`);
  }
});
