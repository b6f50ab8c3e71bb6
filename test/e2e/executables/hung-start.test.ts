// A start whose workload never reports (here: cloned into a cgroup frozen behind the database's back, as a Freeze that
// timed out used to leave it) fails at the spawn deadline with a clear error, leaves nothing, and does not hold the
// cell tree's lock: Thaw still works. Before, the start waited for ever holding the lock, and Thaw waited behind it.
import assert from "node:assert/strict";
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { ExecutableState, type AuraeClientError } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon, type TestDaemon } from "../../helpers/daemon.js";

const aurae = useDaemon({ args: ["--spawn-timeout", "2s"] });

/** The kernel's freezer of a cell, written directly: cgroup.freeze (v2, or a hybrid host's unified) or freezer.state. */
async function kernelFreezer(daemon: TestDaemon, cell: string): Promise<{ file: string; freeze: string; thaw: string; frozen: () => Promise<boolean> }> {
  for (const dir of [daemon.cgroupDir("unified", cell), join("/sys/fs/cgroup", daemon.cgroupRoot, cell)]) {
    const file = join(dir, "cgroup.freeze");
    if (await access(file).then(() => true, () => false))
      return { file, freeze: "1", thaw: "0", frozen: async () => /^frozen 1$/m.test(await readFile(join(dir, "cgroup.events"), "utf8")) };
  }
  const file = join(daemon.cgroupDir("freezer", cell), "freezer.state");
  return { file, freeze: "FROZEN", thaw: "THAWED", frozen: async () => (await readFile(file, "utf8")).trim() !== "THAWED" };
}

test("a start into a cell frozen behind the database's back fails at the spawn deadline, and Thaw still works", async (t) => {
  const cell = await cellForTest(aurae, t, "hung");
  const freezer = await kernelFreezer(aurae, cell);
  await writeFile(freezer.file, freezer.freeze);
  t.after(() => writeFile(freezer.file, freezer.thaw).catch(() => undefined));
  assert.equal(await freezer.frozen(), true, "the kernel did not freeze the cell");

  await assert.rejects(
    aurae.client.executables.start({ spec: { cellName: cell, name: "stuck", argv: ["sleep", "600"] } }),
    (err: AuraeClientError) => err.code === "unavailable" && /start "stuck" in cell ".*": the shim did not report within 2000 ms/.test(err.message),
  );
  await assert.rejects(aurae.client.executables.get({ cellName: cell, name: "stuck" }), (err: AuraeClientError) => err.code === "not-found");

  // The tree's lock is free: Thaw (which takes it) answers, and the kernel is thawed.
  await aurae.client.cells.thaw({ name: cell });
  assert.equal(await freezer.frozen(), false);
  // And the cell works again: the same name starts and runs.
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "stuck", argv: ["sleep", "600"] } });
  assert.equal(executable!.status!.state, ExecutableState.EXECUTABLE_STATE_RUNNING);
  await aurae.client.executables.stop({ cellName: cell, name: "stuck", gracePeriodMs: 1000 });
});
