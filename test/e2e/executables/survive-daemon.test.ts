// Workloads outlive the daemon: each runs under its own shim, not as a child of auraed.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { ExecutableState } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, sleep } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

test("a workload keeps running when auraed is killed with SIGKILL, and can be stopped after a restart", async (t) => {
  const cell = uniqueName("survive");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "sleeper", argv: ["sleep", "600"] } });
  const pid = executable!.status!.pid;
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, "SIGKILL"); // only the pid this test started
  });
  const shimPid = Number((await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ")[1]);
  assert.notEqual(shimPid, aurae.pid, "the workload is the shim's child, not the daemon's");

  await aurae.kill9();
  await sleep(300);
  assert.ok(isAlive(pid), "the workload survived the daemon");
  assert.ok(isAlive(shimPid), "its shim survived the daemon");

  await aurae.start();
  const { executable: adopted } = await aurae.client.executables.get({ cellName: cell, name: "sleeper" });
  assert.equal(adopted?.status?.state, ExecutableState.EXECUTABLE_STATE_RUNNING);
  assert.equal(adopted?.status?.pid, pid);
  const { executable: stopped } = await aurae.client.executables.stop({ cellName: cell, name: "sleeper", gracePeriodMs: 2000 });
  assert.equal(stopped?.status?.exit?.signal, 15);
  assert.equal(isAlive(pid), false);
  await aurae.client.cells.free({ name: cell });
});
