// One auraed per state directory and per cgroup root: a second one, however it names the directory, refuses to start
// before it touches the kernel, and the first goes on serving as if nothing happened. A new database never takes the
// cgroups it finds for garbage.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { ExecutableState } from "../../../src/client/index.js";
import { spawnAuraed } from "../../helpers/auraed-process.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";
import { cgroupRoots } from "../../helpers/cgroups.js";
import { hasCgroup } from "../../helpers/node-state.js";

const aurae = useDaemon();

async function startSleeper(t: { after: (fn: () => Promise<unknown>) => void }): Promise<{ cell: string; pid: number }> {
  const cell = await cellForTest(aurae, t, "one");
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "sleeper", argv: ["sleep", "600"] } });
  return { cell, pid: executable!.status!.pid };
}

/**
 * A second auraed on `stateDir` (and a socket of its own) must exit non-zero naming the directory (any of `names`
 * will do), and serve nothing.
 */
async function refusedSecond(t: { after: (fn: () => Promise<unknown>) => void }, stateDir: string, names: string[]): Promise<void> {
  const runtimeDir = join(aurae.dir, uniqueName("run"));
  const second = spawnAuraed(aurae, { runtimeDir, stateDir });
  t.after(() => second.stop());
  const code = await second.exited(5000);
  assert.notEqual(code, 0, second.output());
  const output = second.output();
  assert.ok(names.some((name) => output.includes(`another auraed is using the state directory ${name}`)), output);
  assert.equal(existsSync(join(runtimeDir, "aurae.sock")), false, "the second never served");
}

async function checkFirstServes(cell: string, pid: number): Promise<void> {
  assert.equal((await aurae.client.health.check({})).status, 1);
  const { executable } = await aurae.client.executables.get({ cellName: cell, name: "sleeper" });
  assert.equal(executable?.status?.state, ExecutableState.EXECUTABLE_STATE_RUNNING);
  assert.equal(executable?.status?.pid, pid);
  assert.ok(isAlive(pid), "the first's workload was left alone");
  assert.ok(await hasCgroup(aurae.cgroupRoot, `${cell}/sleeper.exe`), "and its cgroup");
}

test("a second auraed on the same --state-dir exits non-zero naming the directory, and the first keeps serving", async (t) => {
  const { cell, pid } = await startSleeper(t);
  await refusedSecond(t, aurae.stateDir, [aurae.stateDir]);
  await checkFirstServes(cell, pid);
});

test("the state directory reached through a symlink is the same directory: refused too", async (t) => {
  const { cell, pid } = await startSleeper(t);
  const link = join(aurae.dir, "state-link");
  await symlink(aurae.stateDir, link);
  await refusedSecond(t, link, [link, aurae.stateDir]);
  await checkFirstServes(cell, pid);
});

test("a second auraed with its own state and runtime dirs but the first's cgroup root is refused, and removes nothing", async (t) => {
  const { cell, pid } = await startSleeper(t);
  const stateDir = join(aurae.dir, uniqueName("state"));
  const second = spawnAuraed(aurae, { runtimeDir: join(aurae.dir, uniqueName("run")), stateDir });
  t.after(() => second.stop());
  assert.notEqual(await second.exited(5000), 0, second.output());
  assert.match(second.output(), new RegExp(`another auraed manages the cgroup root "${aurae.cgroupRoot}"`));
  assert.doesNotMatch(second.output(), /removed a cgroup/);
  assert.deepEqual(await readdir(stateDir), [], "it refused before opening a database");
  await checkFirstServes(cell, pid);
});

test("a second auraed on the first's socket is refused before it makes its own cgroup root", async (t) => {
  const { cell, pid } = await startSleeper(t);
  const otherRoot = uniqueName("aurae-test-other");
  const second = spawnAuraed(aurae, { stateDir: join(aurae.dir, uniqueName("state")), args: ["--cgroup-root", otherRoot] });
  t.after(() => second.stop());
  assert.notEqual(await second.exited(5000), 0, second.output());
  assert.match(second.output(), /another auraed is serving .*aurae\.sock/);
  assert.deepEqual(await cgroupRoots(otherRoot), [], "no cgroup root was made");
  await checkFirstServes(cell, pid);
});

test("once the first stopped, an auraed with a new database leaves the cgroups it does not know alone", async (t) => {
  const { cell, pid } = await startSleeper(t);
  await aurae.stop(); // SIGTERM: its workloads go on running
  t.after(async () => {
    if (aurae.pid === undefined) await aurae.start(); // the test failed before it started it again
  });
  const second = spawnAuraed(aurae, { runtimeDir: join(aurae.dir, uniqueName("run")), stateDir: join(aurae.dir, uniqueName("state")) });
  t.after(() => second.stop());
  await waitFor(() => second.output().includes("auraed serving"), () => second.output());
  assert.match(second.output(), /left cgroups no desired state claims alone: the node database is new/);
  assert.doesNotMatch(second.output(), /removed a cgroup/);
  assert.ok(isAlive(pid), "the first's workload lives");
  assert.ok(await hasCgroup(aurae.cgroupRoot, `${cell}/sleeper.exe`));
  await second.stop();
  await aurae.start();
  await checkFirstServes(cell, pid);
});

async function waitFor(ok: () => boolean, what: () => string): Promise<void> {
  for (const deadline = Date.now() + 20_000; !ok(); await new Promise((r) => setTimeout(r, 50)))
    if (Date.now() > deadline) throw new Error(`not seen within 20 s:\n${what()}`);
}
