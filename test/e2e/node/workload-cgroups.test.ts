// The cgroups a workload makes below its own leaf (a container runtime or an init inside a cell does) are part of
// that executable: the start-up reconcile that removes cgroups no desired state claims must leave them, and the
// processes in them, alone.
import assert from "node:assert/strict";
import { rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { ExecutableState } from "../../../src/client/index.js";
import { procsIn } from "../../helpers/cgroups.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, sleep } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";
import { waitForStatus } from "../../helpers/wait-for-status.js";

const aurae = useDaemon();

test("a running workload's own cgroups below its leaf, and its processes in them, survive a daemon restart", async (t) => {
  const cell = uniqueName("subcg");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  const leaf = aurae.cgroupDir("unified", `${cell}/nested.exe`);
  const sub = join(leaf, "sub");
  // The workload moves itself into a cgroup it made below its leaf, then becomes `sleep` (the same pid).
  const script = `mkdir ${sub} && echo $$ > ${sub}/cgroup.procs && exec sleep 600`;
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "nested", argv: ["/bin/sh", "-c", script] } });
  const pid = executable!.status!.pid;
  t.after(async () => {
    if (isAlive(pid)) process.kill(pid, "SIGKILL"); // only the pid this test started
    await waitForStatus(aurae.client, cell, "nested", "exited", (s) => s.state === ExecutableState.EXECUTABLE_STATE_EXITED).catch(() => undefined);
    // The leaf of an exited executable goes with it, but the kernel keeps it while our cgroup below it exists.
    await rmdir(sub).catch(() => undefined);
    await rmdir(leaf).catch(() => undefined);
    await aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 });
  });
  for (let i = 0; i < 200 && !(await procsIn(sub)).includes(pid); i++) await sleep(10);
  assert.ok((await procsIn(sub)).includes(pid), `pid ${pid} moved itself into ${sub}`);

  await aurae.stop();
  await aurae.start();

  assert.ok(isAlive(pid), "the workload in its own sub-cgroup was killed by the restart");
  assert.ok(await stat(sub).then((s) => s.isDirectory(), () => false), `${sub} was removed`);
  const { executable: adopted } = await aurae.client.executables.get({ cellName: cell, name: "nested" });
  assert.equal(adopted?.status?.state, ExecutableState.EXECUTABLE_STATE_RUNNING);
  assert.equal(adopted?.status?.pid, pid);
  assert.doesNotMatch(await aurae.log(), /removed a cgroup no desired state claims/);
});
