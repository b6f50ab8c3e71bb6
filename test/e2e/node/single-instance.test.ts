// One auraed per state directory: a second one, however it names the directory, refuses to start, and the first
// goes on serving as if nothing happened.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { ExecutableState } from "../../../src/client/index.js";
import { spawnAuraed } from "../../helpers/auraed-process.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";
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
