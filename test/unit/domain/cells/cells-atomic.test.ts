// A change to a cell and the event that reports it are one commit: when the event cannot be written (the disk is
// full), the change is not recorded either, so the database never holds a change the event log does not, nor an
// event for a change that did not happen. The real node database; a trigger makes event writes fail as a full disk
// would; the kernel's part is a driver that does nothing (it is not what is tested).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import Database from "better-sqlite3";
import { Cells } from "../../../../src/domain/cells/cells.js";
import { EventLog } from "../../../../src/domain/events/event-log.js";
import { KeyedMutex } from "../../../../src/domain/keyed-mutex.js";
import type { CgroupDriver } from "../../../../src/runtime/cgroups/driver.js";
import { Store } from "../../../../src/store/store.js";
import { tempDir } from "../../helpers/temp-dir.js";

/** A driver whose every operation succeeds and changes nothing. */
const idleDriver = new Proxy({} as CgroupDriver, {
  get: (_target, op) => (op === "dirs" ? () => [] : async () => undefined),
});

async function openCells(t: TestContext) {
  const path = join(await tempDir(t), "aurae.db");
  const store = Store.open(path);
  t.after(() => store.close());
  const events = new EventLog({ store: store.events });
  const cells: Cells = new Cells({
    cells: store.cells,
    executables: store.executables,
    cgroups: idleDriver,
    shim: { spawn: () => Promise.reject(new Error("no shim here")) },
    stateRoot: join(path, ".."),
    locks: new KeyedMutex(),
    events,
    atomically: (fn) => store.transaction(fn),
    workloads: () => ({ stopAll: async () => undefined, forget: async () => undefined }),
  });
  // Another connection, as an operator's sqlite3 would be: event inserts fail from now on, until `heal`.
  const disk = new Database(path);
  t.after(() => disk.close());
  const fillDisk = (): void => void disk.exec("CREATE TRIGGER full BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
  const heal = (): void => void disk.exec("DROP TRIGGER full");
  return { store, events, cells, fillDisk, heal };
}

const kinds = (events: EventLog): string[] => events.list({}, { pageSize: 100, pageToken: "" }).events.map((e) => e.kind);

test("an allocation whose event cannot be written is not recorded, and can be made again", async (t) => {
  const { store, events, cells, fillDisk, heal } = await openCells(t);
  fillDisk();
  await assert.rejects(cells.allocate({ name: "a" }), /database or disk is full/);
  assert.equal(store.cells.get("a"), undefined);
  heal();
  await cells.allocate({ name: "a" });
  assert.ok(store.cells.get("a"));
  assert.deepEqual(kinds(events), ["cell.allocated"]);
});

test("a freeze, thaw, update or free whose event cannot be written leaves the record as it was", async (t) => {
  const { store, events, cells, fillDisk, heal } = await openCells(t);
  await cells.allocate({ name: "a", labels: { tier: "1" } });
  fillDisk();
  await assert.rejects(cells.freeze("a"), /disk is full/);
  assert.equal(store.cells.get("a")!.frozen, 0);
  await assert.rejects(cells.update({ name: "a", labels: { tier: "2" } }), /disk is full/);
  assert.match(store.cells.get("a")!.spec, /"tier":"1"/);
  await assert.rejects(cells.free("a"), /disk is full/);
  assert.ok(store.cells.get("a"));
  heal();
  await cells.freeze("a");
  fillDisk();
  await assert.rejects(cells.thaw("a"), /disk is full/);
  assert.equal(store.cells.get("a")!.frozen, 1);
  heal();
  assert.deepEqual(kinds(events), ["cell.allocated", "cell.frozen"]);
});
