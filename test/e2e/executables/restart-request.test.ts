// ExecutableService.Restart: stop with the grace period, then the same spec again as the next run (restart_count + 1,
// the log goes on), an exited one at once; recorded in the event log and the audit log like Stop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExecutableState, executablesV1, FailedPreconditionError, NotFoundError } from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, runToExit } from "../../helpers/executables.js";
import { isAlive } from "../../helpers/processes.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const aurae = useDaemon();
const RESTART = "/aurae.executables.v1.ExecutableService/Restart";

test("Restart stops a running executable and runs its spec again: a new pid, restart_count + 1, one log, an event and an audit entry", async (t) => {
  const cell = await cellForTest(aurae, t, "restart-rpc");
  const argv = ["/bin/sh", "-c", "echo run $$; exec sleep 300"];
  const { executable: first } = await aurae.client.executables.start({ spec: { cellName: cell, name: "svc", argv, env: { MARK: "kept" } } });
  const oldPid = first!.status!.pid;
  const { executable } = await aurae.client.executables.restart({ cellName: cell, name: "svc", gracePeriodMs: 2000 });
  assert.equal(executable?.status?.state, ExecutableState.EXECUTABLE_STATE_RUNNING);
  assert.notEqual(executable!.status!.pid, oldPid);
  assert.ok(isAlive(executable!.status!.pid));
  assert.equal(isAlive(oldPid), false, "the first run was stopped");
  assert.equal(executable?.status?.restartCount, 1);
  assert.deepEqual([executable?.spec?.argv, executable?.spec?.env], [argv, { MARK: "kept" }]);
  const lines = async () => (await collectLogs(aurae.client, cell, "svc", false)).map((e) => e.line.toString());
  for (let i = 0; i < 100 && (await lines()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await lines(), [`run ${oldPid}`, `run ${executable!.status!.pid}`], "both runs in one log");

  const { events } = await aurae.client.events.list({ cellName: cell, kinds: ["executable."], pageSize: 100 });
  assert.deepEqual(events.map((e) => e.kind), ["executable.started", "executable.stopped", "executable.exited", "executable.restarted"]);
  assert.deepEqual(events.at(-1)!.attributes, { restart_count: "1", pid: String(executable!.status!.pid), requested: "true" });
  const { entries } = await aurae.client.audit.list({ pageSize: 100, filter: { cellName: cell, method: RESTART } });
  assert.equal(entries.length, 1);
  assert.deepEqual([entries[0]!.identity, entries[0]!.cellName, entries[0]!.code], [`spiffe://${TRUST_DOMAIN}/admin`, cell, "OK"]);
});

test("Restart of an exited executable starts it at once; of a missing one answers NOT_FOUND; in a frozen cell FAILED_PRECONDITION", async (t) => {
  const cell = await cellForTest(aurae, t, "restart-rpc");
  const done = await runToExit(aurae.client, cell, "job", ["sh", "-c", "exit 3"]);
  const { executable } = await aurae.client.executables.restart({ cellName: cell, name: "job" });
  assert.notEqual(executable!.status!.pid, done.status!.pid);
  assert.equal(executable?.status?.restartCount, 1);
  await assert.rejects(aurae.client.executables.restart({ cellName: cell, name: "ghost" }), NotFoundError);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "nap", argv: ["sleep", "300"] } });
  await aurae.client.cells.freeze({ name: cell });
  t.after(() => aurae.client.cells.thaw({ name: cell }).catch(() => undefined));
  await assert.rejects(aurae.client.executables.restart({ cellName: cell, name: "nap" }), (err: Error) => err instanceof FailedPreconditionError && /is frozen/.test(err.message));
  assert.equal((await aurae.client.executables.get({ cellName: cell, name: "nap" })).executable?.status?.state, ExecutableState.EXECUTABLE_STATE_RUNNING, "refused before stopping it");
  await aurae.client.cells.thaw({ name: cell });
});

test("a Restart counts toward the policy's max_restarts, as systemd's start limit counts manual starts", async (t) => {
  const cell = await cellForTest(aurae, t, "restart-rpc");
  const restart = { mode: executablesV1.RestartMode.RESTART_MODE_ON_FAILURE, maxRestarts: 1 };
  await aurae.client.executables.start({ spec: { cellName: cell, name: "svc", argv: ["sleep", "300"], restart } });
  await aurae.client.executables.restart({ cellName: cell, name: "svc", gracePeriodMs: 1000 });
  await aurae.client.executables.signal({ cellName: cell, name: "svc", signal: 9 }); // a failure the policy would restart
  const { executable } = await aurae.client.executables.wait({ cellName: cell, name: "svc" }, { deadline: 10_000 });
  assert.deepEqual([executable?.status?.restartCount, executable?.status?.exit?.signal], [1, 9], "the policy's one restart was used by the Restart");
});
