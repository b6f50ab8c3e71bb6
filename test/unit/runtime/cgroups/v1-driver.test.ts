import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { CgroupLimits } from "../../../../src/runtime/cgroups/driver.js";
import { V1_CONTROLLERS, V1Driver, type V1Controller } from "../../../../src/runtime/cgroups/v1-driver.js";
import { addFakeV1Files, changedFiles, makeFakeCgroup, readCgroupValue, writeFakeFiles, writeFakeProcs, writtenFiles } from "../../helpers/fake-cgroupfs.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { runCellLifecycle } from "../../helpers/cell-lifecycle.js";
import { threadPoolRequests } from "../../helpers/thread-pool-requests.js";

interface FakeV1Options {
  readonly hybrid?: boolean;
  readonly coMountCpu?: boolean;
  /** Join a freezer hierarchy on pure v1 (default true, as createCgroupDriver does). */
  readonly freezer?: boolean;
  /** Kernel files our root lacks, e.g. memory.memsw.limit_in_bytes without swap accounting. */
  readonly without?: readonly string[];
  /** Give the fake block device vda the bfq scheduler. */
  readonly bfq?: boolean;
}

/**
 * A fake /sys/fs/cgroup with one directory per v1 hierarchy (cpu and cpuacct co-mounted if asked), maybe unified or
 * freezer, and a fake /sys/block. The top cpuset has cpus 0-3 and mems 0-1; every cgroup made below a hierarchy
 * (init's root "aurae" included) gets the files the kernel gives it, less `without`.
 */
async function fakeV1(t: TestContext, opts: FakeV1Options = {}) {
  const fs = await tempDir(t, "aurae-cgroup1-");
  const mount = (name: string) => join(fs, name);
  const cpu = opts.coMountCpu ? mount("cpu,cpuacct") : mount("cpu");
  const hierarchies = Object.fromEntries(V1_CONTROLLERS.map((c) => [c, mount(c)])) as Record<V1Controller, string>;
  Object.assign(hierarchies, { cpu, cpuacct: opts.coMountCpu ? cpu : mount("cpuacct") });
  const unified = opts.hybrid ? mount("unified") : undefined;
  const freezer = !opts.hybrid && opts.freezer !== false ? mount("freezer") : undefined;
  for (const [controller, dir] of Object.entries(hierarchies)) await addFakeV1Files(dir, controller, opts);
  if (unified) await makeFakeCgroup(unified, [], { without: opts.without }); // cgroup.kill came with 5.14
  if (freezer) await addFakeV1Files(freezer, "freezer", opts);
  await writeFakeFiles(hierarchies.cpuset, { "cpuset.cpus": "0-3", "cpuset.mems": "0-1" });
  const blockDir = mount("block");
  await writeFakeFiles(join(blockDir, "vda", "queue"), { scheduler: opts.bfq ? "mq-deadline kyber [bfq] none" : "[none] mq-deadline kyber bfq" });
  const driver = new V1Driver({ hierarchies, unified, freezer, root: "aurae", blockDir, freezeTimeoutMs: 300 });
  await driver.init();
  const cell = (controller: V1Controller | "unified" | "freezer", path: string) =>
    join(controller === "unified" ? unified! : controller === "freezer" ? freezer! : hierarchies[controller], "aurae", path);
  return { driver, cell, fs };
}

/** Every limit v1 can enforce here (bfq for the weight). */
const ALL_V1_LIMITS: CgroupLimits = {
  cpu: { quotaUs: 50_000, periodUs: 100_000, weight: 50 },
  cpuset: { cpus: "1-2", mems: "1" },
  memory: { maxBytes: 33_554_432, swapMaxBytes: 8_388_608 },
  pids: { max: 64 },
  io: { weight: 300, devices: [{ major: 254, minor: 0, readBps: 1_048_576, writeIops: 100 }] },
};

test("is v1 without a unified hierarchy and hybrid with one", async (t) => {
  assert.equal((await fakeV1(t)).driver.mode, "v1");
  assert.equal((await fakeV1(t, { hybrid: true })).driver.mode, "hybrid");
});

test("init makes the root in every hierarchy, unified included", async (t) => {
  const { fs } = await fakeV1(t, { hybrid: true });
  for (const mount of ["cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "unified"]) await access(join(fs, mount, "aurae"));
});

test("init gives our cpuset root the top cpuset's cpus and mems, so cells below can take them", async (t) => {
  const { cell } = await fakeV1(t);
  assert.equal(await readCgroupValue(cell("cpuset", ""), "cpuset.cpus"), "0-3");
  assert.equal(await readCgroupValue(cell("cpuset", ""), "cpuset.mems"), "0-1");
});

test("create makes the cell in every hierarchy and writes each limit in its controller's hierarchy", async (t) => {
  const { driver, cell } = await fakeV1(t, { hybrid: true });
  await driver.create("web", { cpu: { quotaUs: 50_000, periodUs: 100_000 }, memory: { maxBytes: 33_554_432 }, pids: { max: 64 } });
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_period_us"), "100000");
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_quota_us"), "50000");
  assert.equal(await readCgroupValue(cell("memory", "web"), "memory.limit_in_bytes"), "33554432");
  assert.equal(await readCgroupValue(cell("pids", "web"), "pids.max"), "64");
  assert.deepEqual(await changedFiles(cell("cpuacct", "web")), []);
  assert.deepEqual(await changedFiles(cell("blkio", "web")), [], "no io limit: no throttle rule");
  assert.deepEqual(await changedFiles(cell("unified", "web")), [], "the unified hierarchy carries no limit on a hybrid host");
  assert.deepEqual(await changedFiles(cell("memory", "web")), ["memory.limit_in_bytes"], "no swap limit: memsw untouched");
});

test("create writes cpu.cfs_period_us before cpu.cfs_quota_us", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", {});
  // A directory where the quota file goes makes the quota write fail: the period must already be there.
  await rm(join(cell("cpu", "web"), "cpu.cfs_quota_us"));
  await mkdir(join(cell("cpu", "web"), "cpu.cfs_quota_us"));
  await assert.rejects(driver.create("web", { cpu: { quotaUs: 50_000, periodUs: 200_000 } }), {
    message: `write "50000" to ${join(cell("cpu", "web"), "cpu.cfs_quota_us")}: EISDIR`,
  });
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_period_us"), "200000");
});

test("create writes a quota of -1 (unlimited) when only a period is given", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", { cpu: { periodUs: 250_000 } });
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_period_us"), "250000");
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_quota_us"), "-1");
});

test("create uses the default period of 100000 for a quota without a period", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", { cpu: { quotaUs: 20_000 } });
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_period_us"), "100000");
});

test("create writes a cpu weight as cpu.shares on the kernel's scale (weight 50 -> 512)", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("half", { cpu: { weight: 50 } });
  await driver.create("most", { cpu: { weight: 10_000 } });
  assert.equal(await readCgroupValue(cell("cpu", "half"), "cpu.shares"), "512");
  assert.equal(await readCgroupValue(cell("cpu", "most"), "cpu.shares"), "102400");
});

test("create sets the cell's cpuset from the limits and copies what they leave out from the parent", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", { cpuset: { cpus: "2" } });
  assert.equal(await readCgroupValue(cell("cpuset", "web"), "cpuset.cpus"), "2");
  assert.equal(await readCgroupValue(cell("cpuset", "web"), "cpuset.mems"), "0-1");
});

test("create of a cell without a cpuset copies the parent's cpus and mems (a v1 cpuset starts empty)", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", { cpuset: { cpus: "1-2", mems: "1" } });
  await driver.create("web/api", {});
  assert.equal(await readCgroupValue(cell("cpuset", "web/api"), "cpuset.cpus"), "1-2");
  assert.equal(await readCgroupValue(cell("cpuset", "web/api"), "cpuset.mems"), "1");
});

test("a new cell and leaf keep the cpus and mems the kernel copied from the parent (clone_children), unwritten", async (t) => {
  const { driver, cell } = await fakeV1(t);
  assert.equal(await readCgroupValue(cell("cpuset", ""), "cgroup.clone_children"), "1");
  await driver.create("web", { pids: { max: 5 } });
  await driver.createLeaf("web/api.exe");
  for (const path of ["web", "web/api.exe"]) {
    assert.equal(await readCgroupValue(cell("cpuset", path), "cpuset.cpus"), "0-3", path);
    assert.equal(await readCgroupValue(cell("cpuset", path), "cpuset.mems"), "0-1", path);
    assert.deepEqual(writtenFiles(cell("cpuset", path)), [], path);
  }
});

test("a new cell the kernel gave empty sets (no clone_children) gets its parent's cpus and mems written", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await writeFakeFiles(cell("cpuset", ""), { "cgroup.clone_children": "0" });
  await driver.create("web", {});
  assert.deepEqual(writtenFiles(cell("cpuset", "web")), ["cpuset.cpus", "cpuset.mems"]);
  assert.equal(await readCgroupValue(cell("cpuset", "web"), "cpuset.cpus"), "0-3");
  assert.equal(await readCgroupValue(cell("cpuset", "web"), "cpuset.mems"), "0-1");
});

test("createLeaf makes the leaf in every hierarchy with its parent's cpuset and no limit", async (t) => {
  const { driver, cell } = await fakeV1(t, { hybrid: true });
  await driver.create("web", { cpuset: { cpus: "3" }, pids: { max: 5 } });
  await driver.createLeaf("web/api.exe");
  for (const dir of driver.dirs("web/api.exe")) await access(dir);
  assert.equal(await readCgroupValue(cell("cpuset", "web/api.exe"), "cpuset.cpus"), "3");
  assert.equal(await readCgroupValue(cell("cpuset", "web/api.exe"), "cpuset.mems"), "0-1");
  assert.deepEqual(await changedFiles(cell("pids", "web/api.exe")), []);
});

test("create writes memory.limit_in_bytes and memsw as the limit plus swap", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", { memory: { maxBytes: 33_554_432, swapMaxBytes: 8_388_608 } });
  assert.equal(await readCgroupValue(cell("memory", "web"), "memory.limit_in_bytes"), "33554432");
  assert.equal(await readCgroupValue(cell("memory", "web"), "memory.memsw.limit_in_bytes"), "41943040");
});

test("create writes one throttle rule per device and rate, each in its blkio.throttle file", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", {
    io: { devices: [{ major: 254, minor: 0, readBps: 1_048_576, writeIops: 100 }, { major: 7, minor: 1, readBps: 4096 }] },
  });
  const blkio = cell("blkio", "web");
  assert.equal(await readCgroupValue(blkio, "blkio.throttle.read_bps_device"), "254:0 1048576\n7:1 4096\n");
  assert.equal(await readCgroupValue(blkio, "blkio.throttle.write_iops_device"), "254:0 100\n");
  assert.equal(await readCgroupValue(blkio, "blkio.throttle.write_bps_device"), "", "no rule, no write");
});

test("create writes an io weight to blkio.bfq.weight where a device uses bfq", async (t) => {
  const { driver, cell } = await fakeV1(t, { bfq: true });
  await driver.create("web", { io: { weight: 300 } });
  assert.equal(await readCgroupValue(cell("blkio", "web"), "blkio.bfq.weight"), "300");
});

test("create refuses a limit v1 cannot enforce with a precondition error naming it, and makes nothing", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await assert.rejects(driver.create("web", { memory: { highBytes: 1_048_576 } }), {
    kind: "precondition",
    field: "memory.highBytes",
    message: "memory.highBytes: cgroup v1 has no memory.high",
  });
  await assert.rejects(access(cell("memory", "web")), { code: "ENOENT" });
});

test("check finds nothing to refuse in every limit this host can enforce", async (t) => {
  const { driver } = await fakeV1(t, { bfq: true });
  assert.deepEqual(await driver.check(ALL_V1_LIMITS), []);
  assert.deepEqual(await driver.check({}), []);
});

test("check refuses memory.high, low and min, which v1 does not have", async (t) => {
  const { driver } = await fakeV1(t);
  assert.deepEqual(await driver.check({ memory: { maxBytes: 1 << 30, highBytes: 1, lowBytes: 1, minBytes: 1 } }), [
    { field: "memory.highBytes", reason: "cgroup v1 has no memory.high" },
    { field: "memory.lowBytes", reason: "cgroup v1 has no memory.low" },
    { field: "memory.minBytes", reason: "cgroup v1 has no memory.min" },
  ]);
});

test("check refuses a swap limit without a memory limit: memsw counts memory plus swap", async (t) => {
  const { driver } = await fakeV1(t);
  const [refusal, ...rest] = await driver.check({ memory: { swapMaxBytes: 1 << 20 } });
  assert.deepEqual(rest, []);
  assert.equal(refusal?.field, "memory.swapMaxBytes");
  assert.match(refusal!.reason, /memory\.memsw\.limit_in_bytes .*needs memory\.maxBytes too/);
});

test("check refuses a swap limit where the kernel has no memory.memsw files, naming the file", async (t) => {
  const { driver, cell } = await fakeV1(t, { without: ["memory.memsw.limit_in_bytes"] });
  assert.deepEqual(await driver.check({ memory: { maxBytes: 1 << 30, swapMaxBytes: 1 << 20 } }), [
    { field: "memory.swapMaxBytes", reason: `memory.memsw.limit_in_bytes does not exist in ${cell("memory", "")}` },
  ]);
});

test("check refuses an io weight when no block device uses bfq, naming the scheduler", async (t) => {
  const { driver, fs } = await fakeV1(t);
  assert.deepEqual(await driver.check({ io: { weight: 100 } }), [
    {
      field: "io.weight",
      reason: `no block device uses the bfq I/O scheduler (${join(fs, "block")}/*/queue/scheduler), which cgroup v1 needs for blkio.bfq.weight`,
    },
  ]);
});

test("check refuses an io weight above bfq's 1000 and one without blkio.bfq.weight", async (t) => {
  assert.deepEqual(await (await fakeV1(t, { bfq: true })).driver.check({ io: { weight: 5000 } }), [
    { field: "io.weight", reason: "blkio.bfq.weight takes at most 1000" },
  ]);
  const { driver, cell } = await fakeV1(t, { bfq: true, without: ["blkio.bfq.weight"] });
  assert.deepEqual(await driver.check({ io: { weight: 100 } }), [
    { field: "io.weight", reason: `blkio.bfq.weight does not exist in ${cell("blkio", "")}` },
  ]);
});

test("check refuses io device limits without the blkio.throttle files, and ignores an empty device list", async (t) => {
  const { driver } = await fakeV1(t, { without: ["blkio.throttle.read_iops_device"] });
  assert.deepEqual((await driver.check({ io: { devices: [{ major: 8, minor: 0, readBps: 1 }] } })).map((u) => u.field), ["io.devices"]);
  assert.deepEqual(await driver.check({ io: { devices: [] } }), []);
});

test("update writes every limit of a fully specified cell", async (t) => {
  const { driver, cell } = await fakeV1(t, { bfq: true });
  await driver.create("web", {});
  await driver.update("web", ALL_V1_LIMITS);
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.shares"), "512");
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_quota_us"), "50000");
  assert.equal(await readCgroupValue(cell("cpuset", "web"), "cpuset.cpus"), "1-2");
  assert.equal(await readCgroupValue(cell("cpuset", "web"), "cpuset.mems"), "1");
  assert.equal(await readCgroupValue(cell("memory", "web"), "memory.limit_in_bytes"), "33554432");
  assert.equal(await readCgroupValue(cell("memory", "web"), "memory.memsw.limit_in_bytes"), "41943040");
  assert.equal(await readCgroupValue(cell("pids", "web"), "pids.max"), "64");
  assert.equal(await readCgroupValue(cell("blkio", "web"), "blkio.throttle.read_bps_device"), "254:0 1048576\n");
  assert.equal(await readCgroupValue(cell("blkio", "web"), "blkio.bfq.weight"), "300");
});

test("update puts every absent limit back to its default and removes throttle rules", async (t) => {
  const { driver, cell } = await fakeV1(t, { bfq: true });
  await driver.create("web", ALL_V1_LIMITS);
  await driver.update("web", {});
  const read = (c: V1Controller, file: string) => readCgroupValue(cell(c, "web"), file);
  assert.equal(await read("cpu", "cpu.shares"), "1024");
  assert.equal(await read("cpu", "cpu.cfs_period_us"), "100000");
  assert.equal(await read("cpu", "cpu.cfs_quota_us"), "-1");
  assert.equal(await read("cpuset", "cpuset.cpus"), "0-3", "the parent's");
  assert.equal(await read("cpuset", "cpuset.mems"), "0-1");
  assert.equal(await read("memory", "memory.limit_in_bytes"), "-1");
  assert.equal(await read("memory", "memory.memsw.limit_in_bytes"), "-1");
  assert.equal(await read("pids", "pids.max"), "max");
  assert.equal(await read("blkio", "blkio.bfq.weight"), "100");
  assert.equal(await read("blkio", "blkio.throttle.read_bps_device"), "254:0 0\n", "0 removes the rule");
  assert.equal(await read("blkio", "blkio.throttle.write_iops_device"), "254:0 0\n");
});

test("update keeps the rules of devices still listed and removes only the others, per rate", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", { io: { devices: [{ major: 254, minor: 0, readBps: 100 }, { major: 7, minor: 1, readBps: 200, writeBps: 300 }] } });
  await driver.update("web", { io: { devices: [{ major: 7, minor: 1, readBps: 250 }] } });
  assert.equal(await readCgroupValue(cell("blkio", "web"), "blkio.throttle.read_bps_device"), "7:1 250\n254:0 0\n");
  assert.equal(await readCgroupValue(cell("blkio", "web"), "blkio.throttle.write_bps_device"), "7:1 0\n");
});

test("update of the cpuset carries a leaf that had the cell's set along, and keeps a child's own set within it", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", { cpuset: { cpus: "0-3" } });
  await driver.createLeaf("web/a.exe");
  await driver.create("web/api", { cpuset: { cpus: "2-3" } });
  await driver.update("web", { cpuset: { cpus: "1-2" } });
  assert.equal(await readCgroupValue(cell("cpuset", "web"), "cpuset.cpus"), "1-2");
  assert.equal(await readCgroupValue(cell("cpuset", "web/a.exe"), "cpuset.cpus"), "1-2");
  assert.equal(await readCgroupValue(cell("cpuset", "web/api"), "cpuset.cpus"), "2");
});

test("update refuses a malformed cpu list naming the field, before writing it", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", {});
  await assert.rejects(driver.update("web", { cpuset: { cpus: "one" } }), { kind: "invalid", field: "cpuset.cpus" });
  assert.equal(await readCgroupValue(cell("cpuset", "web"), "cpuset.cpus"), "0-3");
});

test("update drops the cpu quota to -1 before changing the period (v1 checks each pair against parent and children)", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", { cpu: { quotaUs: 50_000 } });
  // A directory where the period file goes makes the period write fail: the quota must already be unlimited by then.
  const period = join(cell("cpu", "web"), "cpu.cfs_period_us");
  await rm(period);
  await mkdir(period);
  await assert.rejects(driver.update("web", { cpu: { quotaUs: 20_000, periodUs: 50_000 } }), { message: /cpu\.cfs_period_us: EISDIR/ });
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_quota_us"), "-1");
});

test("update of a cell that does not exist fails naming a file of it", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await assert.rejects(driver.update("gone", {}), { kind: "not-found", message: new RegExp(cell("cpuset", "gone")) });
});

test("dirs lists each hierarchy's directory once, then unified", async (t) => {
  const { driver, fs } = await fakeV1(t, { hybrid: true });
  assert.deepEqual(
    driver.dirs("web/api"),
    ["cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "unified"].map((mount) => join(fs, mount, "aurae", "web", "api")),
  );
});

test("dirs counts co-mounted cpu,cpuacct once and ends with the freezer on pure v1", async (t) => {
  const { driver, fs } = await fakeV1(t, { coMountCpu: true });
  assert.deepEqual(
    driver.dirs("web"),
    ["cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "freezer"].map((mount) => join(fs, mount, "aurae", "web")),
  );
});

test("create with co-mounted cpu,cpuacct makes the cell there once and writes the cpu limit there", async (t) => {
  const { driver, cell } = await fakeV1(t, { coMountCpu: true });
  await driver.create("web", { cpu: { quotaUs: 10_000 } });
  assert.equal(cell("cpu", "web"), cell("cpuacct", "web"));
  assert.equal(await readCgroupValue(cell("cpuacct", "web"), "cpu.cfs_quota_us"), "10000");
});

test("oomEventsFile is memory.oom_control in the memory hierarchy", async (t) => {
  const { driver, cell } = await fakeV1(t);
  assert.equal(driver.oomEventsFile("web/x.exe"), join(cell("memory", "web/x.exe"), "memory.oom_control"));
});

test("pids reads the pids hierarchy on v1, recursively", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await writeFakeProcs(cell("pids", "web/a.exe"), [11, 12]);
  await writeFakeProcs(cell("pids", "web/api/b.exe"), [13]);
  await writeFakeProcs(cell("memory", "web/a.exe"), [99]);
  assert.deepEqual((await driver.pids("web")).sort(), [11, 12, 13]);
});

test("pids reads the unified hierarchy on a hybrid host", async (t) => {
  const { driver, cell } = await fakeV1(t, { hybrid: true });
  await writeFakeProcs(cell("unified", "web/a.exe"), [21]);
  await writeFakeProcs(cell("pids", "web/a.exe"), [99]);
  assert.deepEqual(await driver.pids("web"), [21]);
});

test("kill on a hybrid host writes 1 to cgroup.kill in the unified hierarchy", async (t) => {
  const { driver, cell } = await fakeV1(t, { hybrid: true });
  await mkdir(cell("unified", "web"));
  await driver.kill("web");
  assert.equal(await readCgroupValue(cell("unified", "web"), "cgroup.kill"), "1");
});

test("kill on a hybrid host without cgroup.kill (before 5.14) SIGKILLs every process the cell lists", async (t) => {
  const { driver, cell } = await fakeV1(t, { hybrid: true, without: ["cgroup.kill"] });
  assert.equal(driver.features().cgroupKill, false);
  const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
  t.after(() => sleeper.kill("SIGKILL"));
  await writeFakeProcs(cell("unified", "web/x.exe"), [sleeper.pid!]);
  const exited = once(sleeper, "exit");
  sleeper.once("exit", () => void writeFakeProcs(cell("unified", "web/x.exe"), [])); // as the kernel would
  await driver.kill("web");
  assert.deepEqual(await exited, [null, "SIGKILL"]);
});

test("kill of a cell that holds no process returns at once on v1", async (t) => {
  const { driver } = await fakeV1(t);
  await driver.create("web", {});
  await driver.kill("web");
});

test("freeze on a hybrid host goes through the unified hierarchy's cgroup.freeze and cgroup.events", async (t) => {
  const { driver, cell } = await fakeV1(t, { hybrid: true });
  await driver.create("web", {});
  await writeFakeFiles(cell("unified", "web"), { "cgroup.events": "populated 1\nfrozen 1\n" });
  await driver.freeze("web");
  assert.equal(await readCgroupValue(cell("unified", "web"), "cgroup.freeze"), "1");
  assert.equal(await driver.isFrozen("web"), true);
  await assert.rejects(driver.thaw("web"), { kind: "unavailable", message: /cgroup\.events did not report "frozen 0" within 300 ms/ });
});

test("freeze on pure v1 writes FROZEN to freezer.state and reads it back; isFrozen is false while FREEZING", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", {});
  await driver.freeze("web");
  assert.equal(await readCgroupValue(cell("freezer", "web"), "freezer.state"), "FROZEN");
  assert.equal(await driver.isFrozen("web"), true);
  await writeFakeFiles(cell("freezer", "web"), { "freezer.state": "FREEZING\n" });
  assert.equal(await driver.isFrozen("web"), false);
  await driver.thaw("web");
  assert.equal(await readCgroupValue(cell("freezer", "web"), "freezer.state"), "THAWED");
});

test("freeze without a freezer or unified hierarchy is unsupported", async (t) => {
  const { driver } = await fakeV1(t, { freezer: false });
  await driver.create("web", {});
  await assert.rejects(driver.freeze("web"), { kind: "unsupported" });
  await assert.rejects(driver.isFrozen("web"), { kind: "unsupported" });
});

test("stats reads v1 counters in CgroupStats units and sums oom_kill and blkio bytes over the cgroups that exist", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", {});
  await driver.createLeaf("web/a.exe");
  await writeFakeFiles(cell("cpuacct", "web"), {
    "cpuacct.usage": "1234567890\n",
    "cpuacct.stat": "user 150\nsystem 25\n",
  });
  await writeFakeFiles(cell("cpu", "web"), {
    "cpu.stat": "nr_periods 40\nnr_throttled 3\nthrottled_time 4500000\nnr_bursts 0\nburst_time 0\n",
  });
  await writeFakeFiles(cell("memory", "web"), {
    "memory.usage_in_bytes": "8388608\n",
    "memory.max_usage_in_bytes": "16777216\n",
    "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
  });
  await writeFakeFiles(cell("memory", "web/a.exe"), { "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n" });
  await writeFakeFiles(cell("pids", "web"), { "pids.current": "3\n" });
  await writeFakeFiles(cell("blkio", "web"), {
    "blkio.throttle.io_service_bytes": "254:0 Read 4096\n254:0 Write 0\n254:0 Total 4096\nTotal 4096\n",
    // Still counting a removed child's 1 GiB for a moment after its rmdir, as the kernel does: never read.
    "blkio.throttle.io_service_bytes_recursive": "254:0 Read 1073741824\n254:0 Write 1073741824\nTotal 2147483648\n",
  });
  await writeFakeFiles(cell("blkio", "web/a.exe"), {
    "blkio.throttle.io_service_bytes":
      "254:0 Read 0\n254:0 Write 8192\n254:0 Sync 8192\n254:0 Async 0\n254:0 Discard 0\n254:0 Total 8192\n" +
      "7:0 Read 100\n7:0 Write 0\n7:0 Total 100\nTotal 8292\n",
  });
  assert.deepEqual(await driver.stats("web"), {
    cpuUsageUs: 1_234_567,
    cpuUserUs: 1_500_000,
    cpuSystemUs: 250_000,
    cpuThrottledPeriods: 3,
    cpuThrottledUs: 4_500,
    memoryCurrentBytes: 8_388_608,
    memoryPeakBytes: 16_777_216,
    oomKills: 3,
    pidsCurrent: 3,
    ioReadBytes: 4_196,
    ioWriteBytes: 8_192,
  });
});

test("stats of a cell that has done no I/O reads the lone 'Total 0' of blkio as zero bytes", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", {});
  await writeFakeFiles(cell("blkio", "web"), { "blkio.throttle.io_service_bytes": "Total 0\n" });
  const stats = await driver.stats("web");
  assert.equal(stats.ioReadBytes, 0);
  assert.equal(stats.ioWriteBytes, 0);
});

test("stats of a cell that does not exist is not-found", async (t) => {
  const { driver } = await fakeV1(t);
  await assert.rejects(driver.stats("gone"), { kind: "not-found" });
});

test("remove deletes the cell in every hierarchy and is fine when it is already gone", async (t) => {
  const { driver } = await fakeV1(t, { hybrid: true });
  await driver.create("web", {});
  // A fake cgroup keeps the files a driver wrote; the kernel's vanish with it.
  for (const dir of driver.dirs("web")) for (const file of await readdir(dir)) await rm(join(dir, file));
  await driver.remove("web");
  for (const dir of driver.dirs("web")) await assert.rejects(access(dir), { code: "ENOENT" }, dir);
  await driver.remove("web");
});

test("create, update, createLeaf, pids, kill and remove call cgroupfs without a thread-pool round trip", async (t) => {
  const { driver } = await fakeV1(t, { hybrid: true });
  assert.deepEqual(await threadPoolRequests(() => runCellLifecycle(driver, "web")), []);
  for (const dir of driver.dirs("web")) await assert.rejects(access(dir), { code: "ENOENT" }, dir);
});
