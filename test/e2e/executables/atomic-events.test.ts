// A change to an executable and its event are one commit: when the event cannot be written (the disk is full),
// the change is not recorded either. The node database of a running auraed, whose event inserts a trigger makes fail
// as a full disk would (added through another connection, as an operator's sqlite3 would, and dropped after).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { ExecutableState } from "../../../src/gen/aurae/executables/v1/executables.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive } from "../../helpers/executables.js";

// The test makes event writes fail as a full disk would: the daemon logs each failed change at error level.
const aurae = useDaemon({ expectErrors: [/database or disk is full/] });

test("a stop whose event cannot be written leaves the executable running, and a later stop records one event", async (t) => {
  const cell = await cellForTest(aurae, t, "atomic");
  const { executable } = await aurae.client.executables.start({ spec: { cellName: cell, name: "sleeper", argv: ["sleep", "600"] } });
  const pid = executable!.status!.pid;
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, "SIGKILL"); // only the pid this test started
  });
  const disk = new Database(join(aurae.stateDir, "aurae.db"));
  t.after(() => {
    disk.exec("DROP TRIGGER IF EXISTS full");
    disk.close();
  });
  disk.exec("CREATE TRIGGER full BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");

  await assert.rejects(aurae.client.executables.stop({ cellName: cell, name: "sleeper", gracePeriodMs: 1000 }));
  const { executable: after } = await aurae.client.executables.get({ cellName: cell, name: "sleeper" });
  assert.equal(after!.status!.state, ExecutableState.EXECUTABLE_STATE_RUNNING, "the stop was not recorded without its event");
  assert.ok(isAlive(pid), "nor signalled");

  disk.exec("DROP TRIGGER full");
  await aurae.client.executables.stop({ cellName: cell, name: "sleeper", gracePeriodMs: 1000 });
  const { events } = await aurae.client.events.list({ pageSize: 1000, cellName: cell, kinds: ["executable.stopped"] });
  assert.equal(events.length, 1);
});
