// auraed --stop-workloads-on-exit: SIGTERM stops every executable, those of the deepest cells first, before the
// daemon exits, and the next auraed finds them exited (by SIGTERM, and not restarted by their policies).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExecutableState, executablesV1 } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, sleep } from "../../helpers/executables.js";
import { hasCgroup } from "../../helpers/node-state.js";
import { waitForStatus } from "../../helpers/wait-for-status.js";

const aurae = useDaemon({ args: ["--stop-workloads-on-exit"] });
const { RestartMode } = executablesV1;

test("SIGTERM stops every executable, deepest cells first, and the records say EXITED by signal 15", async (t) => {
  const top = await cellForTest(aurae, t, "down");
  const inner = `${top}/inner`;
  await aurae.client.cells.allocate({ spec: { name: inner } });
  const start = (cellName: string, name: string, mode: executablesV1.RestartMode) =>
    aurae.client.executables.start({ spec: { cellName, name, argv: ["sleep", "600"], restart: { mode } } }).then((r) => r.executable!);
  const running = [
    await start(top, "outer", RestartMode.RESTART_MODE_NO),
    await start(inner, "inner", RestartMode.RESTART_MODE_ALWAYS),
    await start(inner, "inner-2", RestartMode.RESTART_MODE_ON_FAILURE),
  ];
  await aurae.client.executables.start({
    spec: { cellName: inner, name: "crash", argv: ["false"], restart: { mode: RestartMode.RESTART_MODE_ON_FAILURE, maxDelayMs: 60_000 } },
  });
  const pending = await waitForStatus(aurae.client, inner, "crash", "a back-off after 3 restarts", (s) =>
    s.state === ExecutableState.EXECUTABLE_STATE_BACKOFF && s.restartCount >= 3);

  await aurae.stop();
  for (const x of running) {
    assert.equal(isAlive(x.status!.pid), false, `${x.spec!.name} was stopped before auraed exited`);
    assert.equal(await hasCgroup(aurae.cgroupRoot, `${x.spec!.cellName}/${x.spec!.name}.exe`), false, `${x.spec!.name}'s leaf is gone`);
  }

  await aurae.start();
  await sleep(500); // time enough for a policy to restart what it would
  const exited: Record<string, executablesV1.Executable> = {};
  for (const x of running) {
    const { executable } = await aurae.client.executables.get({ cellName: x.spec!.cellName, name: x.spec!.name });
    assert.equal(executable?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED, x.spec!.name);
    assert.equal(executable?.status?.exit?.signal, 15, x.spec!.name);
    assert.equal(executable?.status?.restartCount, 0, `${x.spec!.name}: a stop is not a failure to restart from`);
    exited[x.spec!.name] = executable!;
  }
  const { executable: crash } = await aurae.client.executables.get({ cellName: inner, name: "crash" });
  assert.equal(crash?.status?.state, ExecutableState.EXECUTABLE_STATE_EXITED, "its pending restart was cancelled");
  assert.equal(crash?.status?.restartCount, pending.status!.restartCount);
  assert.equal(crash?.status?.exit?.code, 1, "the last exit it had");
  for (const name of ["inner", "inner-2"])
    assert.ok(exited[name]!.status!.exitedAt! <= exited.outer!.status!.exitedAt!, `${name} (nested cell) stopped before outer`);
});
