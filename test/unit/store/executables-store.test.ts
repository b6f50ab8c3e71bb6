// Every state write of the executables table applies only from the states it names, and says whether it applied: a
// write that lost a race (an exit recorded during a stop, a start finishing after a Stop) changes nothing.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { openDatabase } from "../../../src/store/database.js";
import { CellsStore } from "../../../src/store/cells-store.js";
import { ExecutablesStore, type ExecutableRow } from "../../../src/store/executables-store.js";
import { tempDir } from "../helpers/temp-dir.js";

async function storeWith(t: TestContext, row: Partial<ExecutableRow>): Promise<ExecutablesStore> {
  const db = openDatabase(join(await tempDir(t), "aurae.db"));
  t.after(() => db.close());
  new CellsStore(db).insert({ name: "web", spec: "{}", createdAtMs: 0, initPid: null, frozen: 0 });
  const store = new ExecutablesStore(db);
  store.put({
    cell: "web", name: "x", spec: "{}", state: "running", pid: 10, startedAtMs: 1, exitedAtMs: null, exitStatus: null,
    restartCount: 0, backoffStep: 0, nextRestartAtMs: null, ...row,
  });
  return store;
}

test("setRunning applies only to a starting record", async (t) => {
  const store = await storeWith(t, { state: "stopping", pid: 0 });
  assert.equal(store.setRunning("web", "x", 42, 5), false);
  assert.equal(store.get("web", "x")?.state, "stopping");
  assert.equal(store.setStoppingPid("web", "x", 42, 5), true, "a stopping record without a pid takes the started pid");
  assert.deepEqual([store.get("web", "x")?.state, store.get("web", "x")?.pid], ["stopping", 42]);
  assert.equal(store.setStoppingPid("web", "x", 43, 6), false, "a pid is recorded once");
});

test("markStopping, setExited and setBackoff refuse a record in a state they do not name", async (t) => {
  const store = await storeWith(t, { state: "exited", exitedAtMs: 7, exitStatus: "{}" });
  assert.equal(store.markStopping("web", "x", ["running", "starting"], { signal: 15, deadlineMs: 9 }), false);
  assert.equal(store.setBackoff("web", "x", ["running"], { exitedAtMs: 8, exitStatus: "{}", nextRestartAtMs: 9, backoffStep: 1 }), false);
  assert.equal(store.setExited("web", "x", ["stopping"], 8, "{}"), false);
  assert.equal(store.setRestarting("web", "x", ["backoff"], { startedAtMs: 9, restartCount: 1, backoffStep: 0 }), false);
  assert.equal(store.deleteIn("web", "x", ["starting", "stopping"]), false);
  const row = store.get("web", "x");
  assert.deepEqual([row?.state, row?.exitedAtMs, row?.restartCount], ["exited", 7, 0]);
});

test("a state write from a state it names applies", async (t) => {
  const store = await storeWith(t, { state: "running" });
  assert.equal(store.markStopping("web", "x", ["running", "starting"], { signal: 15, deadlineMs: 9 }), true);
  assert.deepEqual([store.get("web", "x")?.state, store.get("web", "x")?.stopSignal], ["stopping", 15]);
  assert.equal(store.setExited("web", "x", ["stopping"], 8, "{}"), true);
  assert.equal(store.setRestarting("web", "x", ["exited"], { startedAtMs: 9, restartCount: 1, backoffStep: 0 }), true);
  assert.deepEqual([store.get("web", "x")?.state, store.get("web", "x")?.pid, store.get("web", "x")?.restartCount], ["starting", 0, 1]);
  assert.equal(store.deleteIn("web", "x", ["starting", "stopping"]), true);
  assert.equal(store.get("web", "x"), undefined);
});
