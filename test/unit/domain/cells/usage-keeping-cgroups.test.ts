import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { UsageKeepingCgroups } from "../../../../src/domain/cells/usage-keeping-cgroups.js";
import { NOTHING_RETIRED, type CgroupDriver, type CgroupStats, type RetiredUsage } from "../../../../src/runtime/cgroups/driver.js";
import { V2Driver } from "../../../../src/runtime/cgroups/v2-driver.js";
import { CellsStore } from "../../../../src/store/cells-store.js";
import { openDatabase } from "../../../../src/store/database.js";
import { makeFakeCgroup, writeFakeFiles } from "../../helpers/fake-cgroupfs.js";
import { tempDir } from "../../helpers/temp-dir.js";

const IDLE: CgroupStats = {
  cpuUsageUs: 0, cpuUserUs: 0, cpuSystemUs: 0, cpuThrottledPeriods: 0, cpuThrottledUs: 0, memoryCurrentBytes: 0,
  memoryPeakBytes: 0, oomKills: 0, pidsCurrent: 0, ioReadBytes: 0, ioWriteBytes: 0,
};

/** A v1-like driver: `forgets` is what removing each path loses, `live` what the kernel's files say now. */
function fakeDriver(forgets: Record<string, RetiredUsage>, live: Record<string, CgroupStats> = {}): CgroupDriver {
  const unused = (): never => {
    throw new Error("not used here");
  };
  return {
    mode: "v1", init: unused, features: unused, check: unused, create: unused, update: unused, createLeaf: unused, dirs: unused,
    oomEventsFile: unused, list: unused, pids: unused, kill: unused, freeze: unused, thaw: unused, isFrozen: unused,
    remove: async (path) => forgets[path] ?? NOTHING_RETIRED,
    stats: async (path) => live[path] ?? IDLE,
  };
}

/** The cells table with `cells` recorded; the database file stays for a reopen. */
async function cellsStore(t: TestContext, cells: readonly string[], file?: string) {
  const path = file ?? join(await tempDir(t), "aurae.db");
  const db = openDatabase(path);
  t.after(() => db.close());
  const store = new CellsStore(db);
  for (const name of cells) if (!store.get(name)) store.insert({ name, spec: "{}", createdAtMs: 0, initPid: null, frozen: 0 });
  return { store, path, close: () => db.close() };
}

test("a removed leaf's OOM kills and bytes go to every cell above it and no other, and stats add them", async (t) => {
  const { store } = await cellsStore(t, ["web", "web/api", "web/apiary", "webx"]);
  const live = { ...IDLE, oomKills: 2, ioWriteBytes: 10, cpuUsageUs: 7 };
  const cgroups = new UsageKeepingCgroups(fakeDriver({ "web/api/x.exe": { oomKills: 1, ioReadBytes: 3, ioWriteBytes: 8 } }, { web: live }), store);
  await cgroups.remove("web/api/x.exe");
  assert.deepEqual(store.retired("web/api"), { oomKills: 1, ioReadBytes: 3, ioWriteBytes: 8 });
  assert.deepEqual(store.retired("web"), { oomKills: 1, ioReadBytes: 3, ioWriteBytes: 8 });
  assert.deepEqual([store.retired("web/apiary"), store.retired("webx")], [NOTHING_RETIRED, NOTHING_RETIRED]);
  assert.deepEqual(await cgroups.stats("web"), { ...live, oomKills: 3, ioReadBytes: 3, ioWriteBytes: 18 });
});

test("a freed child cell's kept counts and what its own rmdir loses stay in its parent", async (t) => {
  const { store } = await cellsStore(t, ["web", "web/api"]);
  const cgroups = new UsageKeepingCgroups(
    fakeDriver({ "web/api/x.exe": { oomKills: 1, ioReadBytes: 0, ioWriteBytes: 8 }, "web/api": { oomKills: 0, ioReadBytes: 5, ioWriteBytes: 0 } }),
    store,
  );
  await cgroups.remove("web/api/x.exe");
  await cgroups.remove("web/api");
  store.delete("web/api");
  assert.deepEqual(await cgroups.stats("web"), { ...IDLE, oomKills: 1, ioReadBytes: 5, ioWriteBytes: 8 });
});

test("kept counts survive a reopened database, as across a daemon restart", async (t) => {
  const first = await cellsStore(t, ["web"]);
  await new UsageKeepingCgroups(fakeDriver({ "web/x.exe": { oomKills: 1, ioReadBytes: 0, ioWriteBytes: 0 } }), first.store).remove("web/x.exe");
  first.close();
  const { store } = await cellsStore(t, [], first.path);
  assert.equal((await new UsageKeepingCgroups(fakeDriver({}), store).stats("web")).oomKills, 1);
});

test("over cgroup v2, whose parents keep a removed child's counts, stats are the kernel's alone", async (t) => {
  const mount = await makeFakeCgroup(await tempDir(t, "aurae-cgroup2-"), ["cpu", "io", "memory", "pids"]);
  const root = await makeFakeCgroup(join(mount, "aurae"), ["cpu", "io", "memory", "pids"]);
  const { store } = await cellsStore(t, ["web"]);
  const cgroups = new UsageKeepingCgroups(new V2Driver({ mount, root: "aurae" }), store);
  await cgroups.init();
  await cgroups.create("web", {});
  await writeFakeFiles(join(root, "web"), { "memory.events": "oom_kill 1\n", "io.stat": "254:0 rbytes=0 wbytes=8388608\n" });
  await mkdir(join(root, "web", "x.exe"));
  await cgroups.remove("web/x.exe");
  const stats = await cgroups.stats("web");
  assert.deepEqual([stats.oomKills, stats.ioWriteBytes], [1, 8_388_608]);
  assert.deepEqual(store.retired("web"), NOTHING_RETIRED);
});
