import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { NOTHING_RETIRED, type CgroupLimits } from "../../../../src/runtime/cgroups/driver.js";
import { V2Driver } from "../../../../src/runtime/cgroups/v2-driver.js";
import { changedFiles, makeFakeCgroup, readCgroupValue, readCgroupValues, writeFakeFiles, writeFakeProcs, type FakeCgroupOptions } from "../../helpers/fake-cgroupfs.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { runCellLifecycle } from "../../helpers/cell-lifecycle.js";
import { threadPoolRequests } from "../../helpers/thread-pool-requests.js";

const HOST_CONTROLLERS = ["cpuset", "cpu", "io", "memory", "pids"];

/**
 * A fake unified mount with our root "aurae" already in it: init() only mkdirs the root (EEXIST is fine), and the
 * kernel would list the controllers the mount enabled for it in aurae/cgroup.controllers.
 */
async function initDriver(t: TestContext, rootControllers = HOST_CONTROLLERS, opts: FakeCgroupOptions = {}) {
  const mount = await makeFakeCgroup(await tempDir(t, "aurae-cgroup2-"), HOST_CONTROLLERS);
  const root = await makeFakeCgroup(join(mount, "aurae"), rootControllers, opts);
  const driver = new V2Driver({ mount, root: "aurae", freezeTimeoutMs: 100 });
  await driver.init();
  return { driver, mount, root };
}

test("is the v2 driver", () => {
  assert.equal(new V2Driver({ mount: "/sys/fs/cgroup", root: "aurae" }).mode, "v2");
});

test("init enables cpu, cpuset, io, memory and pids below its root, and only those", async (t) => {
  const { root } = await initDriver(t, [...HOST_CONTROLLERS, "hugetlb"]);
  assert.equal(await readCgroupValue(root, "cgroup.subtree_control"), "+cpu +cpuset +io +memory +pids");
});

test("init enables only the wanted controllers the root was given", async (t) => {
  const { root } = await initDriver(t, ["pids", "io"]);
  assert.equal(await readCgroupValue(root, "cgroup.subtree_control"), "+io +pids");
});

test("init with no wanted controller writes no subtree_control", async (t) => {
  const { root } = await initDriver(t, ["hugetlb"]);
  assert.equal(await readCgroupValue(root, "cgroup.subtree_control"), "");
});

test("init fails naming cgroup.controllers when the root has none (not a cgroup)", async (t) => {
  const mount = await tempDir(t, "aurae-cgroup2-");
  const driver = new V2Driver({ mount, root: "aurae" });
  await assert.rejects(driver.init(), { kind: "not-found", message: `read ${join(mount, "aurae", "cgroup.controllers")}: ENOENT` });
  await access(join(mount, "aurae")); // it did make the root
});

test("create makes the cell, writes cpu.max, memory.max and pids.max, and enables controllers below it", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", { cpu: { quotaUs: 50_000, periodUs: 100_000 }, memory: { maxBytes: 33_554_432 }, pids: { max: 64 } });
  const web = join(root, "web");
  assert.equal(await readCgroupValue(web, "cpu.max"), "50000 100000");
  assert.equal(await readCgroupValue(web, "memory.max"), "33554432");
  assert.equal(await readCgroupValue(web, "pids.max"), "64");
  assert.equal(await readCgroupValue(web, "cgroup.subtree_control"), "+cpu +cpuset +io +memory +pids");
});

test('create writes "max <period>" to cpu.max for a period without a quota', async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", { cpu: { periodUs: 250_000 } });
  assert.equal(await readCgroupValue(join(root, "web"), "cpu.max"), "max 250000");
});

test("create uses the kernel's default period of 100000 for a quota without a period", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", { cpu: { quotaUs: 20_000 } });
  assert.equal(await readCgroupValue(join(root, "web"), "cpu.max"), "20000 100000");
});

test("create leaves the limit files of absent limits as the kernel made them", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", { cpu: {}, memory: {}, pids: {} });
  assert.deepEqual(await changedFiles(join(root, "web")), ["cgroup.subtree_control"]);
});

test("create makes a nested cell inside its parent", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", {});
  await driver.create("web/api", { pids: { max: 10 } });
  assert.equal(await readCgroupValue(join(root, "web", "api"), "pids.max"), "10");
});

test("create of a cell whose parent is missing fails naming the directory", async (t) => {
  const { driver, root } = await initDriver(t);
  await assert.rejects(driver.create("web/api", {}), { kind: "not-found", message: `mkdir ${join(root, "web", "api")}: ENOENT` });
});

test("create refuses a memory limit without a delegated memory controller, naming the field and memory.max", async (t) => {
  const { driver, root } = await initDriver(t, ["cpu", "pids"]);
  await assert.rejects(driver.create("web", { memory: { maxBytes: 33_554_432 } }), {
    name: "AuraeError",
    kind: "precondition",
    field: "memory.maxBytes",
    message: `memory.maxBytes: memory.max needs the memory controller, which is not delegated to ${root}`,
  });
  await assert.rejects(access(join(root, "web")), { code: "ENOENT" }, "nothing made");
});

test("create refuses cpu and pids limits without their controllers, naming cpu.max and pids.max", async (t) => {
  const { driver } = await initDriver(t, ["memory"]);
  await assert.rejects(driver.create("a", { cpu: { quotaUs: 10_000 } }), { kind: "precondition", message: /^cpu\.quotaUs: cpu\.max needs the cpu controller/ });
  await assert.rejects(driver.create("b", { pids: { max: 5 } }), { kind: "precondition", message: /^pids\.max: pids\.max needs the pids controller/ });
});

test("a cell without limits needs no controller", async (t) => {
  const { driver, root } = await initDriver(t, []);
  await driver.create("web", {});
  await access(join(root, "web"));
});

test("dirs is the one unified directory and oomEventsFile its memory.events", () => {
  const driver = new V2Driver({ mount: "/sys/fs/cgroup", root: "system.slice/auraed.service/aurae" });
  assert.deepEqual(driver.dirs("web/api"), ["/sys/fs/cgroup/system.slice/auraed.service/aurae/web/api"]);
  assert.equal(driver.oomEventsFile("web/api"), "/sys/fs/cgroup/system.slice/auraed.service/aurae/web/api/memory.events");
});

test("pids lists every process of the cell and of every cgroup below it", async (t) => {
  const { driver, root } = await initDriver(t);
  await writeFakeProcs(join(root, "web"), []);
  await writeFakeProcs(join(root, "web", "a.exe"), [101, 102]);
  await writeFakeProcs(join(root, "web", "api", "b.exe"), [201]);
  await writeFakeProcs(join(root, "other", "c.exe"), [999]);
  assert.deepEqual((await driver.pids("web")).sort(), [101, 102, 201]);
});

test("pids of an absent cell is empty", async (t) => {
  const { driver } = await initDriver(t);
  assert.deepEqual(await driver.pids("gone"), []);
});

test("kill of a cgroup that is gone (after a reboot) does nothing, as on v1", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.kill("web/cell.init");
  await assert.rejects(access(join(root, "web")), { code: "ENOENT" });
});

test("kill writes 1 to the cell's cgroup.kill", async (t) => {
  const { driver, root } = await initDriver(t);
  await mkdir(join(root, "web"));
  assert.equal(driver.features().cgroupKill, true);
  await driver.kill("web");
  assert.equal(await readFile(join(root, "web", "cgroup.kill"), "utf8"), "1");
});

test("without cgroup.kill (before 5.14) kill SIGKILLs every process the cell lists", async (t) => {
  const { driver, root } = await initDriver(t, HOST_CONTROLLERS, { without: ["cgroup.kill"] });
  assert.equal(driver.features().cgroupKill, false);
  const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
  t.after(() => sleeper.kill("SIGKILL"));
  const dir = join(root, "web", "x.exe");
  await writeFakeProcs(dir, [sleeper.pid!]);
  const exited = once(sleeper, "exit");
  sleeper.once("exit", () => void writeFakeProcs(dir, [])); // the kernel would drop it from cgroup.procs
  await driver.kill("web");
  assert.deepEqual(await exited, [null, "SIGKILL"]);
  await assert.rejects(access(join(root, "web", "cgroup.kill")), { code: "ENOENT" });
});

test("remove deletes an empty cell and is fine when it is already gone", async (t) => {
  const { driver, root } = await initDriver(t);
  await mkdir(join(root, "web"));
  // A v2 parent's memory.events, io.stat and cpu.stat keep a removed child's counts: nothing for a caller to keep.
  assert.deepEqual(await driver.remove("web"), NOTHING_RETIRED);
  await assert.rejects(access(join(root, "web")), { code: "ENOENT" });
  await driver.remove("web");
  await driver.remove("never/was");
});

test("createLeaf makes a cgroup for processes and enables no controller below it (v2: no internal processes)", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", {});
  await driver.createLeaf("web/api.exe");
  await access(join(root, "web", "api.exe"));
  assert.equal(await readCgroupValue(join(root, "web", "api.exe"), "cgroup.subtree_control"), "");
});

test("init asks the parent for a wanted controller the root lacks, one controller per write", async (t) => {
  const { mount } = await initDriver(t, ["cpu", "pids"]);
  // The fake parent file keeps the last write: the missing controller, requested alone.
  assert.equal(await readCgroupValue(mount, "cgroup.subtree_control"), "+memory");
});

/** Every limit v2 can enforce. */
const ALL_V2_LIMITS: CgroupLimits = {
  cpu: { quotaUs: 50_000, periodUs: 100_000, weight: 50 },
  cpuset: { cpus: "0-1", mems: "0" },
  memory: { maxBytes: 67_108_864, highBytes: 50_331_648, lowBytes: 8_388_608, minBytes: 4_194_304, swapMaxBytes: 0 },
  pids: { max: 64 },
  io: { weight: 300, devices: [{ major: 8, minor: 0, readBps: 1_048_576, writeIops: 100 }] },
};

/** Each v2 limit file: what create writes for ALL_V2_LIMITS, and what update({}) puts back. */
const ALL_V2_FILES: Readonly<Record<string, readonly [created: string, reset: string]>> = {
  "cpu.max": ["50000 100000", "max 100000"],
  "cpu.weight": ["50", "100"],
  "cpuset.cpus": ["0-1", "\n"], // empty: the parent's
  "cpuset.mems": ["0", "\n"],
  "memory.max": ["67108864", "max"],
  "memory.high": ["50331648", "max"],
  "memory.low": ["8388608", "0"],
  "memory.min": ["4194304", "0"],
  "memory.swap.max": ["0", "max"],
  "pids.max": ["64", "max"],
  "io.weight": ["default 300", "default 100"],
  "io.max": ["8:0 rbps=1048576 wbps=max riops=max wiops=100\n", "8:0 rbps=max wbps=max riops=max wiops=max\n"],
};
const column = (i: 0 | 1) => Object.fromEntries(Object.entries(ALL_V2_FILES).map(([file, values]) => [file, values[i]]));

test("create writes every v2 limit file, with max for an io rate left out", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", ALL_V2_LIMITS);
  assert.deepEqual(await readCgroupValues(join(root, "web"), Object.keys(ALL_V2_FILES)), column(0));
});

test("update puts every absent limit back to the kernel's default and drops io.max rules", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", ALL_V2_LIMITS);
  await driver.update("web", {});
  assert.deepEqual(await readCgroupValues(join(root, "web"), Object.keys(ALL_V2_FILES)), column(1));
});

test("update writes the io.max rule of every listed device and drops only the devices no longer listed", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", { io: { devices: [{ major: 8, minor: 0, readBps: 1 }, { major: 8, minor: 16, writeBps: 2 }] } });
  await driver.update("web", { io: { devices: [{ major: 8, minor: 16, readIops: 3 }] } });
  assert.equal(
    await readCgroupValue(join(root, "web"), "io.max"),
    "8:16 rbps=max wbps=max riops=3 wiops=max\n8:0 rbps=max wbps=max riops=max wiops=max\n",
  );
});

test("update leaves alone a default the kernel does not offer (no memory.swap.max without swap accounting)", async (t) => {
  const { driver, root } = await initDriver(t, HOST_CONTROLLERS, { without: ["memory.swap.max"] });
  await driver.create("web", { memory: { maxBytes: 1 << 30 } });
  await driver.update("web", {});
  assert.equal(await readCgroupValue(join(root, "web"), "memory.max"), "max");
  await assert.rejects(access(join(root, "web", "memory.swap.max")), { code: "ENOENT" });
});

test("check finds nothing to refuse where every controller is delegated and every file exists", async (t) => {
  const { driver } = await initDriver(t);
  assert.deepEqual(await driver.check(ALL_V2_LIMITS), []);
});

test("check refuses each limit whose controller is not delegated, naming file and controller", async (t) => {
  const { driver, root } = await initDriver(t, ["memory", "pids"]);
  assert.deepEqual(await driver.check(ALL_V2_LIMITS), [
    { field: "cpu.quotaUs", reason: `cpu.max needs the cpu controller, which is not delegated to ${root}` },
    { field: "cpu.periodUs", reason: `cpu.max needs the cpu controller, which is not delegated to ${root}` },
    { field: "cpu.weight", reason: `cpu.weight needs the cpu controller, which is not delegated to ${root}` },
    { field: "cpuset.cpus", reason: `cpuset.cpus needs the cpuset controller, which is not delegated to ${root}` },
    { field: "cpuset.mems", reason: `cpuset.mems needs the cpuset controller, which is not delegated to ${root}` },
    { field: "io.weight", reason: `io.weight needs the io controller, which is not delegated to ${root}` },
    { field: "io.devices", reason: `io.max needs the io controller, which is not delegated to ${root}` },
  ]);
});

test("check refuses a limit whose file the kernel lacks (memory.swap.max, io.weight without iocost)", async (t) => {
  const { driver, root } = await initDriver(t, HOST_CONTROLLERS, { without: ["memory.swap.max", "io.weight"] });
  assert.deepEqual(await driver.check({ memory: { swapMaxBytes: 0 }, io: { weight: 100 } }), [
    { field: "memory.swapMaxBytes", reason: `memory.swap.max does not exist in ${root}` },
    { field: "io.weight", reason: `io.weight does not exist in ${root}` },
  ]);
});

test("freeze and thaw go through the cell's cgroup.freeze, and isFrozen reads its cgroup.events", async (t) => {
  const { driver, root } = await initDriver(t);
  const web = join(root, "web");
  await writeFakeFiles(web, { "cgroup.events": "populated 0\nfrozen 1\n" });
  await driver.freeze("web");
  assert.equal(await readCgroupValue(web, "cgroup.freeze"), "1");
  assert.equal(await driver.isFrozen("web"), true);
  await assert.rejects(driver.thaw("web"), { kind: "unavailable", message: `${join(web, "cgroup.events")} did not report "frozen 0" within 100 ms` });
  assert.equal(await readCgroupValue(web, "cgroup.freeze"), "0");
});

test("stats reads cpu.stat, memory.current/peak, memory.events, pids.current and io.stat summed over devices", async (t) => {
  const { driver, root } = await initDriver(t);
  await writeFakeFiles(join(root, "web"), {
    "cpu.stat":
      "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\ncore_sched.force_idle_usec 0\nnr_periods 50\n" +
      "nr_throttled 7\nthrottled_usec 350000\nnr_bursts 0\nburst_usec 0\n",
    "memory.current": "12582912\n",
    "memory.peak": "25165824\n",
    "memory.events": "low 0\nhigh 4\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n",
    "pids.current": "5\n",
    "io.stat":
      "8:16 rbytes=1000 wbytes=2000 rios=1 wios=2 dbytes=0 dios=0\n" +
      "8:0 rbytes=4096 wbytes=8192 rios=3 wios=4 dbytes=0 dios=0\n",
  });
  assert.deepEqual(await driver.stats("web"), {
    cpuUsageUs: 2_500_000,
    cpuUserUs: 2_000_000,
    cpuSystemUs: 500_000,
    cpuThrottledPeriods: 7,
    cpuThrottledUs: 350_000,
    memoryCurrentBytes: 12_582_912,
    memoryPeakBytes: 25_165_824,
    oomKills: 2,
    pidsCurrent: 5,
    ioReadBytes: 5_096,
    ioWriteBytes: 10_192,
  });
});

test("stats reads 0 for a counter the kernel does not keep (memory.peak before 5.19, an empty io.stat)", async (t) => {
  const { driver, root } = await initDriver(t);
  await writeFakeFiles(join(root, "web"), { "memory.current": "4096\n", "io.stat": "" });
  const stats = await driver.stats("web");
  assert.equal(stats.memoryCurrentBytes, 4096);
  assert.equal(stats.memoryPeakBytes, 0);
  assert.equal(stats.ioReadBytes, 0);
});

test("stats of a cell that does not exist is not-found, naming its directory", async (t) => {
  const { driver, root } = await initDriver(t);
  await assert.rejects(driver.stats("gone"), { kind: "not-found", message: `read cgroup ${join(root, "gone")}: ENOENT` });
});

test("create, update, createLeaf, pids, kill and remove call cgroupfs without a thread-pool round trip", async (t) => {
  const { driver } = await initDriver(t);
  assert.deepEqual(await threadPoolRequests(() => runCellLifecycle(driver, "web")), []);
  for (const dir of driver.dirs("web")) await assert.rejects(access(dir), { code: "ENOENT" }, dir);
});

test("check answers from the limit files init found, without looking at them again on each call", async (t) => {
  const { driver, root } = await initDriver(t);
  await rm(join(root, "memory.swap.max"));
  assert.deepEqual(await driver.check({ memory: { swapMaxBytes: 0 } }), [], "probed at init, where it existed");
});
