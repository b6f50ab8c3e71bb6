// The v1 driver as createCgroupDriver builds it for this host (hybrid here: v1 controllers, unified for tracking,
// kill and freeze), on the real kernel. Each test reads the kernel's own files back.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { probeCgroupMode } from "../../../../src/runtime/cgroups/probe.js";
import { directWriteArgv, directWriteDisk } from "../../../helpers/direct-io.js";
import { uniqueName } from "../../../helpers/names.js";
import { FS_ROOT, hasBfqDevice, isStill, realDisk, spawnCounter, useRealDriver, whyNoV1Driver } from "./real-cgroups.js";

const V1_UNLIMITED = "9223372036854771712";
const MIB = 1_048_576;
const mode = await probeCgroupMode(FS_ROOT).catch(() => undefined);
const skip = await whyNoV1Driver(mode === "v1" ? "v1" : "hybrid");

test("create writes a cpu weight of 50 as cpu.shares 512", { skip }, async (t) => {
  const { driver, read } = await useRealDriver(t, mode!);
  await driver.create("web", { cpu: { weight: 50 } });
  assert.equal(await read("cpu", "web", "cpu.shares"), "512");
});

test("a cell's cpuset reaches the kernel and a leaf below it inherits it", { skip }, async (t) => {
  const { driver, read } = await useRealDriver(t, mode!);
  await driver.create("web", { cpuset: { cpus: "0" } });
  await driver.createLeaf("web/a.exe");
  assert.equal(await read("cpuset", "web", "cpuset.cpus"), "0");
  assert.equal(await read("cpuset", "web/a.exe", "cpuset.cpus"), "0");
  assert.equal(await read("cpuset", "web/a.exe", "cpuset.mems"), await read("cpuset", "", "cpuset.mems"));
});

test("narrowing a cell's cpuset carries its leaf along (the kernel refuses a parent narrower than a child)", { skip }, async (t) => {
  if (availableParallelism() < 2) return t.skip("needs two cpus");
  const { driver, read, dir } = await useRealDriver(t, mode!);
  await driver.create("web", { cpuset: { cpus: "0-1" } });
  await driver.createLeaf("web/a.exe");
  await assert.rejects(writeFile(join(dir("cpuset", "web"), "cpuset.cpus"), "1"), { code: "EBUSY" }, "the kernel's rule");
  await driver.update("web", { cpuset: { cpus: "1" } });
  assert.equal(await read("cpuset", "web", "cpuset.cpus"), "1");
  assert.equal(await read("cpuset", "web/a.exe", "cpuset.cpus"), "1");
  await driver.update("web", {});
  assert.equal(await read("cpuset", "web", "cpuset.cpus"), await read("cpuset", "", "cpuset.cpus"), "the parent's again");
  assert.equal(await read("cpuset", "web/a.exe", "cpuset.cpus"), await read("cpuset", "", "cpuset.cpus"));
});

test("memory max with swap sets memsw to max + swap, and raising or lowering it keeps limit <= memsw", { skip }, async (t) => {
  const { driver, read, dir } = await useRealDriver(t, mode!);
  if (!(await access(join(dir("memory", ""), "memory.memsw.limit_in_bytes")).then(() => true, () => false)))
    return t.skip("this kernel keeps no swap accounting (no memory.memsw files)");
  await driver.create("web", { memory: { maxBytes: 64 * MIB, swapMaxBytes: 16 * MIB } });
  assert.equal(await read("memory", "web", "memory.limit_in_bytes"), String(64 * MIB));
  assert.equal(await read("memory", "web", "memory.memsw.limit_in_bytes"), String(80 * MIB));
  // Raising needs memsw first, lowering the limit first: the kernel refuses either the other way round.
  await driver.update("web", { memory: { maxBytes: 128 * MIB, swapMaxBytes: 16 * MIB } });
  assert.equal(await read("memory", "web", "memory.memsw.limit_in_bytes"), String(144 * MIB));
  await driver.update("web", { memory: { maxBytes: 32 * MIB, swapMaxBytes: 0 } });
  assert.equal(await read("memory", "web", "memory.limit_in_bytes"), String(32 * MIB));
  assert.equal(await read("memory", "web", "memory.memsw.limit_in_bytes"), String(32 * MIB));
});

test("check says memory.highBytes and io.weight cannot be enforced here", { skip }, async (t) => {
  const { driver } = await useRealDriver(t, mode!);
  const refused = await driver.check({ memory: { maxBytes: 64 * MIB, highBytes: 32 * MIB }, io: { weight: 100 }, pids: { max: 10 } });
  assert.deepEqual(refused.map((u) => u.field), (await hasBfqDevice()) ? ["memory.highBytes"] : ["memory.highBytes", "io.weight"]);
  assert.match(refused[0]!.reason, /memory\.high/);
  if (refused[1]) assert.match(refused[1].reason, /bfq/);
});

test("an io device limit writes its throttle rule, and update removes it", { skip }, async (t) => {
  const disk = await realDisk();
  if (!disk) return t.skip("no real block device in /sys/block");
  const { driver, read } = await useRealDriver(t, mode!);
  const key = `${disk.major}:${disk.minor}`;
  await driver.create("web", { io: { devices: [{ ...disk, readBps: MIB, writeIops: 100 }] } });
  assert.equal(await read("blkio", "web", "blkio.throttle.read_bps_device"), `${key} ${MIB}`);
  assert.equal(await read("blkio", "web", "blkio.throttle.write_iops_device"), `${key} 100`);
  await driver.update("web", { io: { devices: [{ ...disk, writeBps: 2 * MIB }] } });
  assert.equal(await read("blkio", "web", "blkio.throttle.read_bps_device"), "");
  assert.equal(await read("blkio", "web", "blkio.throttle.write_bps_device"), `${key} ${2 * MIB}`);
  assert.equal(await read("blkio", "web", "blkio.throttle.write_iops_device"), "");
});

test("update puts every limit back to the kernel's default", { skip }, async (t) => {
  const { driver, read } = await useRealDriver(t, mode!);
  const disk = await realDisk();
  await driver.create("web", {
    cpu: { weight: 200, quotaUs: 50_000, periodUs: 200_000 },
    cpuset: { cpus: "0" },
    memory: { maxBytes: 64 * MIB },
    pids: { max: 20 },
    io: { devices: disk ? [{ ...disk, readBps: MIB }] : [] },
  });
  await driver.update("web", {});
  assert.equal(await read("cpu", "web", "cpu.shares"), "1024");
  assert.equal(await read("cpu", "web", "cpu.cfs_quota_us"), "-1");
  assert.equal(await read("cpu", "web", "cpu.cfs_period_us"), "100000");
  assert.equal(await read("cpuset", "web", "cpuset.cpus"), await read("cpuset", "", "cpuset.cpus"));
  assert.equal(await read("memory", "web", "memory.limit_in_bytes"), V1_UNLIMITED);
  assert.equal(await read("pids", "web", "pids.max"), "max");
  assert.equal(await read("blkio", "web", "blkio.throttle.read_bps_device"), "");
});

test("update changes a nested cell's period and quota where the period first would exceed the parent's quota", { skip }, async (t) => {
  const { driver, read, dir } = await useRealDriver(t, mode!);
  await driver.create("web", { cpu: { quotaUs: 50_000, periodUs: 100_000 } });
  await driver.create("web/api", { cpu: { quotaUs: 50_000, periodUs: 100_000 } });
  // The period alone would make 50000/50000 = 1 cpu, over the parent's 0.5: the kernel's rule.
  await assert.rejects(writeFile(join(dir("cpu", "web/api"), "cpu.cfs_period_us"), "50000"), { code: "EINVAL" });
  await driver.update("web/api", { cpu: { quotaUs: 20_000, periodUs: 50_000 } });
  assert.equal(await read("cpu", "web/api", "cpu.cfs_period_us"), "50000");
  assert.equal(await read("cpu", "web/api", "cpu.cfs_quota_us"), "20000");
});

test("freeze stops every process below the cell, and the kernel says so; thaw lets them run", { skip }, async (t) => {
  const { driver, read } = await useRealDriver(t, mode!);
  await driver.create("web", {});
  await driver.createLeaf("web/a.exe");
  const counter = await spawnCounter(t, driver, "web/a.exe");
  assert.equal(await isStill(counter), false, "counting before the freeze");
  assert.equal(await driver.isFrozen("web"), false);
  await driver.freeze("web");
  if (mode === "hybrid") assert.match(await read("unified", "web", "cgroup.events"), /^frozen 1$/m);
  else assert.equal(await read("freezer", "web", "freezer.state"), "FROZEN");
  assert.equal(await driver.isFrozen("web"), true);
  assert.equal(await isStill(counter), true, "no count while frozen");
  await driver.thaw("web");
  assert.equal(await driver.isFrozen("web"), false);
  assert.equal(await isStill(counter), false, "counting again");
});

test("stats of a busy leaf count cpu, memory and pids, and its cell's stats include them", { skip }, async (t) => {
  const { driver } = await useRealDriver(t, mode!);
  await driver.create("web", {});
  await driver.createLeaf("web/a.exe");
  const counter = await spawnCounter(t, driver, "web/a.exe");
  await isStill(counter, 300); // let it run up some CPU time
  await driver.freeze("web"); // steady counters for the comparison
  const leaf = await driver.stats("web/a.exe");
  const cell = await driver.stats("web");
  assert.ok(leaf.cpuUsageUs > 0, `cpuUsageUs ${leaf.cpuUsageUs}`);
  assert.ok(leaf.cpuUserUs + leaf.cpuSystemUs > 0, `user ${leaf.cpuUserUs} system ${leaf.cpuSystemUs}`);
  assert.ok(leaf.memoryCurrentBytes > 0, `memoryCurrentBytes ${leaf.memoryCurrentBytes}`);
  assert.ok(leaf.memoryPeakBytes >= leaf.memoryCurrentBytes);
  assert.ok(leaf.pidsCurrent >= 1, `pidsCurrent ${leaf.pidsCurrent}`);
  for (const key of ["cpuUsageUs", "memoryCurrentBytes", "pidsCurrent", "oomKills"] as const)
    assert.ok(cell[key] >= leaf[key], `${key}: cell ${cell[key]} < leaf ${leaf[key]}`);
  await driver.thaw("web");
});

test("remove answers the OOM kills and bytes the cell's counters lose with a leaf; cpu usage and peak stay", { skip }, async (t) => {
  const disk = await directWriteDisk(tmpdir());
  if ("skip" in disk) return t.skip(disk.skip);
  const { driver } = await useRealDriver(t, mode!);
  const [major = 0, minor = 0] = disk.device.split(":").map(Number);
  await driver.create("web", { memory: { maxBytes: 32 * MIB }, io: { devices: [{ major, minor, writeBps: 2 ** 40 }] } });
  await driver.createLeaf("web/a.exe");
  const file = join(tmpdir(), uniqueName("aurae-it-direct"));
  t.after(() => rm(file, { force: true }));
  // Waits for a line so it joins the leaf first, writes 8 MiB with O_DIRECT, then grows past the 32 MiB limit.
  const script = `read go; ${directWriteArgv(file, 8).join(" ")} 2>/dev/null && exec dd if=/dev/zero of=/dev/null bs=128M count=1`;
  const child = spawn("sh", ["-c", script], { stdio: ["pipe", "ignore", "ignore"] });
  const exited = once(child, "exit");
  t.after(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")));
  await once(child, "spawn");
  for (const dir of driver.dirs("web/a.exe")) await writeFile(join(dir, "cgroup.procs"), String(child.pid));
  child.stdin.end("go\n");
  assert.deepEqual((await exited)[1], "SIGKILL", "the OOM killer ended it");
  const live = await driver.stats("web");
  assert.equal(live.oomKills, 1);
  assert.ok(live.ioWriteBytes >= 8 * MIB, `ioWriteBytes ${live.ioWriteBytes}`);
  const retired = await driver.remove("web/a.exe");
  assert.deepEqual(retired, { oomKills: 1, ioReadBytes: live.ioReadBytes, ioWriteBytes: live.ioWriteBytes });
  const left = await driver.stats("web");
  assert.deepEqual([left.oomKills, left.ioWriteBytes], [0, 0], "the kernel forgot them: the caller keeps what remove answered");
  assert.equal(left.cpuUsageUs, live.cpuUsageUs, "cpuacct charged the cell as the leaf ran");
  assert.equal(left.cpuUserUs + left.cpuSystemUs, live.cpuUserUs + live.cpuSystemUs);
  assert.equal(left.memoryPeakBytes, live.memoryPeakBytes, "the peak is the cell's own watermark");
});

test("kill ends every process below the cell, frozen ones too; remove then deletes every directory", { skip }, async (t) => {
  const { driver } = await useRealDriver(t, mode!);
  await driver.create("web", { pids: { max: 10 } });
  await driver.createLeaf("web/a.exe");
  const counter = await spawnCounter(t, driver, "web/a.exe");
  assert.deepEqual(await driver.pids("web"), [counter.pid]);
  await driver.freeze("web");
  await driver.kill("web");
  assert.equal(await counter.exited, "SIGKILL");
  for (let i = 0; i < 100 && (await driver.pids("web")).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await driver.pids("web"), []);
  await driver.remove("web/a.exe");
  await driver.remove("web");
  for (const dir of driver.dirs("web")) await assert.rejects(access(dir), { code: "ENOENT" }, dir);
});
