import assert from "node:assert/strict";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { createCgroupDriver } from "../../../../src/runtime/cgroups/create-driver.js";
import { tempDir } from "../../helpers/temp-dir.js";

/** A fake /sys/fs/cgroup with a directory per name; "a->b" makes a a link to b, as co-mounting hosts do. */
async function fakeFsRoot(t: TestContext, names: readonly string[]): Promise<string> {
  const fsRoot = await tempDir(t, "aurae-fsroot-");
  for (const name of names) {
    const [link, target] = name.split("->");
    if (target) await symlink(target, join(fsRoot, link!));
    else await mkdir(join(fsRoot, name));
  }
  return fsRoot;
}

const V1_MOUNTS = ["cpu", "cpuacct", "cpuset", "memory", "pids", "blkio"];

test("builds the v2 driver on v2, joining only the unified mount", async (t) => {
  const fsRoot = await fakeFsRoot(t, []);
  const driver = await createCgroupDriver("v2", { fsRoot, root: "aurae" });
  assert.equal(driver.mode, "v2");
  assert.deepEqual(driver.dirs("web"), [join(fsRoot, "aurae", "web")]);
});

test("builds the hybrid driver over every v1 controller plus unified, without the freezer", async (t) => {
  const fsRoot = await fakeFsRoot(t, [...V1_MOUNTS, "freezer", "unified"]);
  const driver = await createCgroupDriver("hybrid", { fsRoot, root: "aurae" });
  assert.equal(driver.mode, "hybrid");
  assert.deepEqual(driver.dirs("web"), [...V1_MOUNTS, "unified"].map((m) => join(fsRoot, m, "aurae", "web")));
});

test("builds the pure v1 driver with the freezer hierarchy, and refuses a host without one", async (t) => {
  const fsRoot = await fakeFsRoot(t, [...V1_MOUNTS, "freezer"]);
  const driver = await createCgroupDriver("v1", { fsRoot, root: "aurae" });
  assert.equal(driver.mode, "v1");
  assert.deepEqual(driver.dirs("web"), [...V1_MOUNTS, "freezer"].map((m) => join(fsRoot, m, "aurae", "web")));
  const noFreezer = await fakeFsRoot(t, V1_MOUNTS);
  await assert.rejects(createCgroupDriver("v1", { fsRoot: noFreezer, root: "aurae" }), {
    kind: "unsupported",
    message: `cgroup v1 controller "freezer" is not mounted at ${join(noFreezer, "freezer")}`,
  });
});

test("joins co-mounted controllers once, through the links a host makes to the shared mount", async (t) => {
  const fsRoot = await fakeFsRoot(t, ["cpu,cpuacct", "cpu->cpu,cpuacct", "cpuacct->cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "unified"]);
  const driver = await createCgroupDriver("hybrid", { fsRoot, root: "aurae" });
  assert.deepEqual(
    driver.dirs("web"),
    ["cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "unified"].map((m) => join(fsRoot, m, "aurae", "web")),
  );
});

test("refuses a v1 host missing a controller the driver uses, naming it", async (t) => {
  const fsRoot = await fakeFsRoot(t, ["cpu", "cpuacct", "cpuset", "memory", "pids", "unified"]);
  await assert.rejects(createCgroupDriver("hybrid", { fsRoot, root: "aurae" }), { kind: "unsupported", message: /"blkio" is not mounted/ });
});
