// Freeze and the frozen state against a fake cgroup driver: a freeze the kernel did not complete is written back, and
// the reconcile brings the kernel to the record in both directions.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { Cells } from "../../../../src/domain/cells/cells.js";
import { KeyedMutex } from "../../../../src/domain/keyed-mutex.js";
import { unavailable } from "../../../../src/errors.js";
import type { CgroupDriver } from "../../../../src/runtime/cgroups/driver.js";
import { CellsStore } from "../../../../src/store/cells-store.js";
import { openDatabase } from "../../../../src/store/database.js";
import { ExecutablesStore } from "../../../../src/store/executables-store.js";
import { tempDir } from "../../helpers/temp-dir.js";

/** The kernel's frozen cgroups as a set; `failFreeze`/`failThaw` make those writes time out as a stuck task would. */
async function setUp(t: TestContext, kernel: { frozen: Set<string>; failFreeze?: boolean; failThaw?: boolean }) {
  const db = openDatabase(join(await tempDir(t), "aurae.db"));
  t.after(() => db.close());
  const store = new CellsStore(db);
  const calls: string[] = [];
  const driver: Partial<CgroupDriver> = {
    create: async () => undefined,
    freeze: async (path) => {
      calls.push(`freeze ${path}`);
      kernel.frozen.add(path); // the write happened; the wait for "frozen 1" is what times out
      if (kernel.failFreeze) throw unavailable(`${path}/cgroup.events did not report "frozen 1" within 10 ms`);
    },
    thaw: async (path) => {
      calls.push(`thaw ${path}`);
      if (kernel.failThaw) throw unavailable(`${path}/cgroup.events did not report "frozen 0" within 10 ms`);
      kernel.frozen.delete(path);
    },
    isFrozen: async (path) => [...kernel.frozen].some((f) => path === f || path.startsWith(`${f}/`)),
    dirs: (path) => [`/fake/${path}`],
  };
  const cells = new Cells({
    atomically: (fn) => db.transaction(fn)(),
    events: { record: () => undefined },
    cells: store,
    executables: new ExecutablesStore(db),
    locks: new KeyedMutex(),
    workloads: () => ({ stopAll: async () => undefined, forget: async () => undefined }),
    cgroups: driver as CgroupDriver,
    shim: { spawn: () => Promise.reject(new Error("no reaper in these tests")) },
    stateRoot: "/nonexistent",
  });
  const add = (name: string, frozen: 0 | 1) => store.insert({ name, spec: JSON.stringify({ name }), createdAtMs: 0, initPid: null, frozen });
  return { cells, store, calls, add };
}

test("a freeze the kernel does not complete is thawed back, and the record stays thawed", async (t) => {
  const kernel = { frozen: new Set<string>(), failFreeze: true };
  const { cells, store, calls, add } = await setUp(t, kernel);
  add("web", 0);
  await assert.rejects(cells.freeze("web"), /did not report "frozen 1"/);
  assert.deepEqual(calls, ["freeze web", "thaw web"]);
  assert.equal(kernel.frozen.has("web"), false, "the kernel was left freezing");
  assert.equal(store.get("web")?.frozen, 0);
});

test("a freeze whose thaw-back fails too is recorded frozen, so starts are refused until Thaw", async (t) => {
  const { cells, store, add } = await setUp(t, { frozen: new Set<string>(), failFreeze: true, failThaw: true });
  add("web", 0);
  await assert.rejects(cells.freeze("web"), /did not report "frozen 1"/);
  assert.equal(store.get("web")?.frozen, 1);
  assert.equal(cells.frozenAt("web"), "web");
});

test("the reconcile thaws a cgroup frozen behind the record's back, and freezes one the record says is frozen", async (t) => {
  const kernel = { frozen: new Set(["web", "db/child"]) };
  const { cells, calls, add } = await setUp(t, kernel);
  add("web", 0);
  add("db", 1);
  add("db/child", 0); // frozen with its parent: left alone
  add("api", 0);
  assert.deepEqual(await cells.reconcile(), []);
  assert.deepEqual(calls.sort(), ["freeze db", "thaw web"]);
  assert.deepEqual([...kernel.frozen].sort(), ["db", "db/child"]);
});
