// The v1 driver as a pure v1 host gets it (createCgroupDriver("v1")): no unified hierarchy, so processes are tracked
// through the pids hierarchy, frozen through the freezer controller and killed signal by signal. A hybrid host has
// every v1 hierarchy too, so this runs here for real.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isStill, spawnCounter, useRealDriver, whyNoV1Driver } from "./real-cgroups.js";

const skip = await whyNoV1Driver("v1");

test("joins the freezer hierarchy and no unified one", { skip }, async (t) => {
  const { driver, dir } = await useRealDriver(t, "v1");
  assert.equal(driver.mode, "v1");
  assert.ok(driver.dirs("web").includes(dir("freezer", "web")));
  assert.ok(!driver.dirs("web").includes(dir("unified", "web")));
});

test("freeze sets freezer.state FROZEN and stops the cell's processes; thaw lets them run", { skip }, async (t) => {
  const { driver, read } = await useRealDriver(t, "v1");
  await driver.create("web", {});
  await driver.createLeaf("web/a.exe");
  const counter = await spawnCounter(t, driver, "web/a.exe");
  assert.deepEqual(await driver.pids("web"), [counter.pid], "tracked through the pids hierarchy");
  await driver.freeze("web");
  assert.equal(await read("freezer", "web", "freezer.state"), "FROZEN");
  assert.equal(await read("freezer", "web/a.exe", "freezer.state"), "FROZEN", "the leaf below too");
  assert.equal(await driver.isFrozen("web"), true);
  assert.equal(await isStill(counter), true, "no count while frozen");
  await driver.thaw("web");
  assert.equal(await read("freezer", "web", "freezer.state"), "THAWED");
  assert.equal(await isStill(counter), false, "counting again");
});

test("kill ends a frozen cell's processes: SIGKILL lands once the v1 freezer thaws", { skip }, async (t) => {
  const { driver } = await useRealDriver(t, "v1");
  await driver.create("web", {});
  await driver.createLeaf("web/a.exe");
  const counter = await spawnCounter(t, driver, "web/a.exe");
  await driver.freeze("web");
  await driver.kill("web");
  assert.equal(await counter.exited, "SIGKILL");
  assert.deepEqual(await driver.pids("web"), []);
  await driver.remove("web/a.exe");
  await driver.remove("web");
});

test("stats of a busy leaf count cpu, memory and pids", { skip }, async (t) => {
  const { driver } = await useRealDriver(t, "v1");
  await driver.create("web", {});
  await driver.createLeaf("web/a.exe");
  const counter = await spawnCounter(t, driver, "web/a.exe");
  await isStill(counter, 300);
  const stats = await driver.stats("web");
  assert.ok(stats.cpuUsageUs > 0, `cpuUsageUs ${stats.cpuUsageUs}`);
  assert.ok(stats.memoryCurrentBytes > 0, `memoryCurrentBytes ${stats.memoryCurrentBytes}`);
  assert.equal(stats.pidsCurrent, 1);
});
