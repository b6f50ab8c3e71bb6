import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { freezeCgroup, isCgroupFrozen, thawCgroup, UNIFIED_FREEZER, V1_FREEZER } from "../../../../src/runtime/cgroups/freeze.js";
import { addFakeV1Files, makeFakeCgroup, readCgroupValue, writeFakeFiles } from "../../helpers/fake-cgroupfs.js";
import { tempDir } from "../../helpers/temp-dir.js";

const events = (dir: string, frozen: 0 | 1) => writeFakeFiles(dir, { "cgroup.events": `populated 1\nfrozen ${frozen}\n` });
const unifiedCgroup = async (t: TestContext) => makeFakeCgroup(await tempDir(t, "aurae-freeze-"), []);

test("unified: freeze writes 1 to cgroup.freeze and resolves only once cgroup.events says frozen 1", async (t) => {
  const dir = await unifiedCgroup(t);
  await events(dir, 0);
  let resolved = false;
  const freezing = freezeCgroup(UNIFIED_FREEZER, dir, 5_000).then(() => (resolved = true));
  await sleep(50);
  assert.equal(await readCgroupValue(dir, "cgroup.freeze"), "1");
  assert.equal(resolved, false, "still waiting for the kernel");
  assert.equal(await isCgroupFrozen(UNIFIED_FREEZER, dir), false);
  await events(dir, 1);
  await freezing;
  assert.equal(await isCgroupFrozen(UNIFIED_FREEZER, dir), true);
});

test("unified: thaw writes 0 and resolves once cgroup.events says frozen 0", async (t) => {
  const dir = await unifiedCgroup(t);
  await events(dir, 1);
  const thawing = thawCgroup(UNIFIED_FREEZER, dir, 5_000);
  await sleep(30);
  await events(dir, 0);
  await thawing;
  assert.equal(await readCgroupValue(dir, "cgroup.freeze"), "0");
});

test("gives up after the timeout with an unavailable error naming the state file and the awaited line", async (t) => {
  const dir = await unifiedCgroup(t);
  await events(dir, 0);
  const started = Date.now();
  await assert.rejects(freezeCgroup(UNIFIED_FREEZER, dir, 120), {
    kind: "unavailable",
    message: `${join(dir, "cgroup.events")} did not report "frozen 1" within 120 ms`,
  });
  assert.ok(Date.now() - started >= 120);
});

test("v1: freeze writes FROZEN to freezer.state and waits for it to read FROZEN (not FREEZING)", async (t) => {
  const dir = await tempDir(t, "aurae-freeze-");
  await addFakeV1Files(dir, "freezer");
  await freezeCgroup(V1_FREEZER, dir, 1_000); // a fake file reads back what was written
  assert.equal(await isCgroupFrozen(V1_FREEZER, dir), true);
  await writeFakeFiles(dir, { "freezer.state": "FREEZING\n" });
  assert.equal(await isCgroupFrozen(V1_FREEZER, dir), false);
  await thawCgroup(V1_FREEZER, dir, 1_000);
  assert.equal(await readCgroupValue(dir, "freezer.state"), "THAWED");
});

test("fails naming the file when the cgroup does not exist", async (t) => {
  const dir = join(await tempDir(t, "aurae-freeze-"), "gone");
  await assert.rejects(freezeCgroup(UNIFIED_FREEZER, dir, 100), { kind: "not-found", message: `write "1" to ${join(dir, "cgroup.freeze")}: ENOENT` });
});
