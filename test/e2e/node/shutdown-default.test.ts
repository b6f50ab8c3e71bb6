// By default SIGTERM ends only auraed: workloads keep running under their shims, and the next auraed adopts them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExecutableState } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive } from "../../helpers/executables.js";
import { parentOf } from "../../helpers/node-state.js";

const aurae = useDaemon();

test("SIGTERM leaves executables running, and the next auraed adopts them with their pids", async (t) => {
  const cell = await cellForTest(aurae, t, "stay");
  const pids: number[] = [];
  for (const name of ["a", "b"])
    pids.push((await aurae.client.executables.start({ spec: { cellName: cell, name, argv: ["sleep", "600"] } })).executable!.status!.pid);
  const shims = await Promise.all(pids.map(parentOf));

  await aurae.stop();
  for (const [i, pid] of pids.entries()) {
    assert.ok(isAlive(pid), `workload ${pid} outlived auraed`);
    assert.ok(isAlive(shims[i]!), `and so did its shim ${shims[i]}`);
  }

  await aurae.start();
  for (const [i, name] of ["a", "b"].entries()) {
    const { executable } = await aurae.client.executables.get({ cellName: cell, name });
    assert.equal(executable?.status?.state, ExecutableState.EXECUTABLE_STATE_RUNNING);
    assert.equal(executable?.status?.pid, pids[i]);
    const { executable: stopped } = await aurae.client.executables.stop({ cellName: cell, name, gracePeriodMs: 2000 });
    assert.equal(stopped?.status?.exit?.signal, 15, "the adopted workload is stopped like any other");
  }
});
