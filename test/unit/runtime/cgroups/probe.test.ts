// statfs cannot be faked on a temp dir, so this reads the host's real /sys/fs/cgroup (read only), checked against
// the kernel's own mount table, and a plain temp dir.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { probeCgroupMode } from "../../../../src/runtime/cgroups/probe.js";
import { tempDir } from "../../helpers/temp-dir.js";

/** The filesystem type last mounted at each mount point, from /proc/self/mounts. */
async function mountTypes(): Promise<Map<string, string>> {
  const text = await readFile("/proc/self/mounts", "utf8");
  return new Map(text.split("\n").filter(Boolean).map((line) => {
    const [, mountPoint, type] = line.split(" ");
    return [mountPoint!, type!];
  }));
}

test("tells the host's /sys/fs/cgroup as v1, v2 or hybrid, as the mount table says", async (t) => {
  const types = await mountTypes().catch(() => undefined);
  if (!types?.has("/sys/fs/cgroup")) return t.skip("nothing is mounted at /sys/fs/cgroup on this host");
  const expected =
    types.get("/sys/fs/cgroup") === "cgroup2" ? "v2" : types.get("/sys/fs/cgroup/unified") === "cgroup2" ? "hybrid" : "v1";
  const mode = await probeCgroupMode("/sys/fs/cgroup");
  assert.ok(["v1", "v2", "hybrid"].includes(mode));
  assert.equal(mode, expected);
});

test("answers v1 for a plain directory: neither it nor its unified/ is a cgroup2 mount", async (t) => {
  assert.equal(await probeCgroupMode(await tempDir(t, "aurae-probe-")), "v1");
});

test("fails naming the directory when it does not exist", async (t) => {
  const missing = `${await tempDir(t, "aurae-probe-")}/missing`;
  await assert.rejects(probeCgroupMode(missing), (err: Error) => err.message.includes(missing));
});
