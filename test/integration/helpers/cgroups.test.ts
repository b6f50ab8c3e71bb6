// The e2e tests' way to a cell's kernel files: it must fail where this host has no such hierarchy, never hand back a
// path that cannot exist (an assertion that the file is absent would then pass on any host).
import assert from "node:assert/strict";
import { access } from "node:fs/promises";
import { test } from "node:test";
import { cgroupMode, hierarchyDir, readControllerFile } from "../../helpers/cgroups.js";

test("hierarchyDir is the mounted hierarchy of a controller this host has, cgroup2's own root on pure v2", async () => {
  const dir = hierarchyDir("memory");
  assert.equal(dir, cgroupMode() === "v2" ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory");
  await access(`${dir}/cgroup.procs`);
});

test("hierarchyDir throws, naming it, for a hierarchy this host does not mount", () => {
  assert.throws(() => hierarchyDir("nosuch"), /nosuch/);
  // The hybrid host's io controller is blkio on v1; pure v1 has no unified hierarchy either way.
  if (cgroupMode() === "v1") assert.throws(() => hierarchyDir("io"), /\/sys\/fs\/cgroup\/io/);
});

test("readControllerFile reads the file named for this host's hierarchy, and fails when it is missing", async () => {
  const procs = await readControllerFile("pids", "", { v1: "cgroup.procs", v2: "cgroup.procs" });
  assert.match(procs, /^\d+/);
  await assert.rejects(readControllerFile("pids", "", { v1: "no.such.file", v2: "no.such.file" }), { code: "ENOENT" });
});
