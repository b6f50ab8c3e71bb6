// Signal, Wait and the whole-tree kill of Stop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AuraeClientError, ExecutableState } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, isAlive, sleep, waitForExit, waitForLine } from "../../helpers/executables.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { procsIn } from "../../helpers/cgroups.js";

const aurae = useDaemon();

const cellFor = (t: { after: (fn: () => Promise<unknown>) => void }): Promise<string> => cellForTest(aurae, t, "sig");

test("signal delivers to the main process; wait answers when it exits", async (t) => {
  const cell = await cellFor(t);
  await aurae.client.executables.start({
    spec: { cellName: cell, name: "usr1", argv: ["sh", "-c", "trap 'echo got usr1; exit 7' USR1; echo ready; while :; do sleep 0.05; done"] },
  });
  await waitForLine(aurae.client, cell, "usr1", "ready"); // the shell installed its trap
  const waiting = aurae.client.executables.wait({ cellName: cell, name: "usr1" }, { deadline: 10_000 });
  await aurae.client.executables.signal({ cellName: cell, name: "usr1", signal: 10 });
  const { executable } = await waiting;
  assert.equal(executable?.status?.exit?.code, 7);
  assert.deepEqual((await collectLogs(aurae.client, cell, "usr1", false)).map((e) => e.line.toString()), ["ready", "got usr1"]);
  await assert.rejects(aurae.client.executables.signal({ cellName: cell, name: "usr1", signal: 10 }), (e: AuraeClientError) => e.code === "precondition" && /exited/.test(e.message));
});

test("wait is bounded by the call's deadline", async (t) => {
  const cell = await cellFor(t);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "long", argv: ["sleep", "30"] } });
  await assert.rejects(aurae.client.executables.wait({ cellName: cell, name: "long" }, { deadline: 300 }), { code: "deadline" });
  await aurae.client.executables.stop({ cellName: cell, name: "long", gracePeriodMs: 1000 });
});

test("stop ends a tree of 20 descendants, some double-forked away from it", async (t) => {
  const cell = await cellFor(t);
  const script = "for i in $(seq 10); do sleep 1000 & done; for i in $(seq 10); do (sleep 1000 &); done; echo started; wait";
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "tree", argv: ["sh", "-c", script] } });
  let pids: number[] = [];
  for (let i = 0; i < 100 && pids.length < 21; i++) {
    pids = await procsIn(aurae.cgroupDir("pids", `${cell}/tree.exe`));
    await sleep(20);
  }
  assert.equal(pids.length, 21, "the shell and its 20 sleeps");
  assert.ok(pids.includes(executable!.status!.pid));
  const stopped = await aurae.client.executables.stop({ cellName: cell, name: "tree", gracePeriodMs: 500 });
  assert.equal(stopped.executable?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED);
  await sleep(100);
  assert.deepEqual(pids.filter(isAlive), [], "no descendant survives");
});

test("when the main process exits, what it left running in its cgroup is killed", async (t) => {
  const cell = await cellFor(t);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "leaver", argv: ["sh", "-c", "sleep 1000 & echo $!"] } });
  await waitForExit(aurae.client, cell, "leaver");
  const [line] = await collectLogs(aurae.client, cell, "leaver", true);
  const orphan = Number(line?.line.toString());
  assert.ok(orphan > 1);
  await sleep(100);
  assert.equal(isAlive(orphan), false);
});
