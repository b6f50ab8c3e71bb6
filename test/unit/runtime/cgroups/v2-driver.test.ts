import assert from "node:assert/strict";
import { access, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { V2Driver } from "../../../../src/runtime/cgroups/v2-driver.js";
import { makeFakeCgroup, readCgroupValue, writeFakeProcs } from "../../helpers/fake-cgroupfs.js";
import { tempDir } from "../../helpers/temp-dir.js";

const HOST_CONTROLLERS = ["cpuset", "cpu", "io", "memory", "pids"];

/**
 * A fake unified mount with our root "aurae" already in it: init() only mkdirs the root (EEXIST is fine), and the
 * kernel would list the controllers the mount enabled for it in aurae/cgroup.controllers.
 */
async function initDriver(t: TestContext, rootControllers = HOST_CONTROLLERS) {
  const mount = await makeFakeCgroup(await tempDir(t, "aurae-cgroup2-"), HOST_CONTROLLERS);
  const root = await makeFakeCgroup(join(mount, "aurae"), rootControllers);
  const driver = new V2Driver({ mount, root: "aurae" });
  await driver.init();
  return { driver, mount, root };
}

test("is the v2 driver", () => {
  assert.equal(new V2Driver({ mount: "/sys/fs/cgroup", root: "aurae" }).mode, "v2");
});

test("init enables cpu, memory and pids below its root, and only those", async (t) => {
  const { root } = await initDriver(t);
  assert.equal(await readCgroupValue(root, "cgroup.subtree_control"), "+cpu +memory +pids");
});

test("init enables only the wanted controllers the root was given", async (t) => {
  const { root } = await initDriver(t, ["cpuset", "pids", "io"]);
  assert.equal(await readCgroupValue(root, "cgroup.subtree_control"), "+pids");
});

test("init with no wanted controller writes no subtree_control", async (t) => {
  const { root } = await initDriver(t, ["io"]);
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
  assert.equal(await readCgroupValue(web, "cgroup.subtree_control"), "+cpu +memory +pids");
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

test("create writes no limit file for an absent limit", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", { cpu: {}, memory: {}, pids: {} });
  for (const file of ["cpu.max", "memory.max", "pids.max"])
    await assert.rejects(access(join(root, "web", file)), { code: "ENOENT" }, file);
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

test("a memory limit without a delegated memory controller is unsupported, naming memory.max", async (t) => {
  const { driver, root } = await initDriver(t, ["cpu", "pids"]);
  await assert.rejects(driver.create("web", { memory: { maxBytes: 33_554_432 } }), {
    name: "AuraeError",
    kind: "unsupported",
    message: `memory.max: the memory controller is not delegated to ${root}`,
  });
  await assert.rejects(access(join(root, "web", "memory.max")), { code: "ENOENT" });
});

test("cpu and pids limits without their controllers are unsupported, naming cpu.max and pids.max", async (t) => {
  const { driver } = await initDriver(t, ["memory"]);
  await assert.rejects(driver.create("a", { cpu: { quotaUs: 10_000 } }), { kind: "unsupported", message: /^cpu\.max: the cpu controller/ });
  await assert.rejects(driver.create("b", { pids: { max: 5 } }), { kind: "unsupported", message: /^pids\.max: the pids controller/ });
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

test("kill writes 1 to the cell's cgroup.kill", async (t) => {
  const { driver, root } = await initDriver(t);
  await mkdir(join(root, "web"));
  await driver.kill("web");
  assert.equal(await readFile(join(root, "web", "cgroup.kill"), "utf8"), "1");
});

test("remove deletes an empty cell and is fine when it is already gone", async (t) => {
  const { driver, root } = await initDriver(t);
  await mkdir(join(root, "web"));
  await driver.remove("web");
  await assert.rejects(access(join(root, "web")), { code: "ENOENT" });
  await driver.remove("web");
  await driver.remove("never/was");
});

test("createLeaf makes a cgroup for processes and enables no controller below it (v2: no internal processes)", async (t) => {
  const { driver, root } = await initDriver(t);
  await driver.create("web", {});
  await driver.createLeaf("web/api.exe");
  await access(join(root, "web", "api.exe"));
  await assert.rejects(access(join(root, "web", "api.exe", "cgroup.subtree_control")), { code: "ENOENT" });
});

test("init asks the parent for a wanted controller the root lacks, one controller per write", async (t) => {
  const { mount } = await initDriver(t, ["cpu", "pids"]);
  // The fake parent file keeps the last write: the missing controller, requested alone.
  assert.equal(await readCgroupValue(mount, "cgroup.subtree_control"), "+memory");
});
