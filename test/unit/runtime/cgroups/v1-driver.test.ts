import assert from "node:assert/strict";
import { access, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { V1Driver, type V1Controller } from "../../../../src/runtime/cgroups/v1-driver.js";
import { readCgroupValue, writeFakeProcs } from "../../helpers/fake-cgroupfs.js";
import { tempDir } from "../../helpers/temp-dir.js";

/** A fake /sys/fs/cgroup with one directory per v1 hierarchy (cpu and cpuacct co-mounted if asked) and maybe unified. */
async function fakeV1(t: TestContext, opts: { hybrid?: boolean; coMountCpu?: boolean } = {}) {
  const fs = await tempDir(t, "aurae-cgroup1-");
  const mount = (name: string) => join(fs, name);
  const cpu = opts.coMountCpu ? mount("cpu,cpuacct") : mount("cpu");
  const hierarchies: Record<V1Controller, string> = {
    cpu,
    cpuacct: opts.coMountCpu ? cpu : mount("cpuacct"),
    memory: mount("memory"),
    pids: mount("pids"),
  };
  const unified = opts.hybrid ? mount("unified") : undefined;
  for (const dir of [...Object.values(hierarchies), ...(unified ? [unified] : [])]) await mkdir(dir, { recursive: true });
  const driver = new V1Driver({ hierarchies, unified, root: "aurae" });
  await driver.init();
  const cell = (controller: V1Controller | "unified", path: string) =>
    join(controller === "unified" ? unified! : hierarchies[controller], "aurae", path);
  return { driver, cell, fs };
}

test("is v1 without a unified hierarchy and hybrid with one", async (t) => {
  assert.equal((await fakeV1(t)).driver.mode, "v1");
  assert.equal((await fakeV1(t, { hybrid: true })).driver.mode, "hybrid");
});

test("init makes the root in every hierarchy, unified included", async (t) => {
  const { fs } = await fakeV1(t, { hybrid: true });
  for (const mount of ["cpu", "cpuacct", "memory", "pids", "unified"]) await access(join(fs, mount, "aurae"));
});

test("create makes the cell in every hierarchy and writes each limit in its controller's hierarchy", async (t) => {
  const { driver, cell } = await fakeV1(t, { hybrid: true });
  await driver.create("web", { cpu: { quotaUs: 50_000, periodUs: 100_000 }, memory: { maxBytes: 33_554_432 }, pids: { max: 64 } });
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_period_us"), "100000");
  assert.equal(await readCgroupValue(cell("cpu", "web"), "cpu.cfs_quota_us"), "50000");
  assert.equal(await readCgroupValue(cell("memory", "web"), "memory.limit_in_bytes"), "33554432");
  assert.equal(await readCgroupValue(cell("pids", "web"), "pids.max"), "64");
  assert.deepEqual(await readdir(cell("cpuacct", "web")), []);
  assert.deepEqual(await readdir(cell("unified", "web")), [], "the unified hierarchy carries no limit on a hybrid host");
  assert.deepEqual((await readdir(cell("memory", "web"))).sort(), ["memory.limit_in_bytes"]);
});

test("create writes cpu.cfs_period_us before cpu.cfs_quota_us", async (t) => {
  const { driver, cell } = await fakeV1(t);
  await driver.create("web", {});
  // A directory where the quota file goes makes the quota write fail: the period must already be there.
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

test("dirs lists each hierarchy's directory once, then unified", async (t) => {
  const { driver, fs } = await fakeV1(t, { hybrid: true });
  assert.deepEqual(
    driver.dirs("web/api"),
    ["cpu", "cpuacct", "memory", "pids", "unified"].map((mount) => join(fs, mount, "aurae", "web", "api")),
  );
});

test("dirs counts co-mounted cpu,cpuacct once", async (t) => {
  const { driver, fs } = await fakeV1(t, { coMountCpu: true });
  assert.deepEqual(
    driver.dirs("web"),
    ["cpu,cpuacct", "memory", "pids"].map((mount) => join(fs, mount, "aurae", "web")),
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

test("kill of a cell that holds no process returns at once on v1", async (t) => {
  const { driver } = await fakeV1(t);
  await driver.create("web", {});
  await driver.kill("web");
});

test("remove deletes the cell in every hierarchy and is fine when it is already gone", async (t) => {
  const { driver } = await fakeV1(t, { hybrid: true });
  await driver.create("web", {});
  await driver.remove("web");
  for (const dir of driver.dirs("web")) await assert.rejects(access(dir), { code: "ENOENT" }, dir);
  await driver.remove("web");
});
