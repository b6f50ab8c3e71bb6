import assert from "node:assert/strict";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { removeCgroupDir, settleAll, writeCgroupControl, writeCgroupFile, writeCgroupRules } from "../../../../src/runtime/cgroups/files.js";
import { tempDir } from "../../helpers/temp-dir.js";

test("settleAll waits for every operation before rejecting with the first failure", async () => {
  let slowDone = false;
  const slow = sleep(30).then(() => void (slowDone = true));
  await assert.rejects(settleAll([Promise.reject(new Error("first")), slow, Promise.reject(new Error("second"))]), /first/);
  assert.equal(slowDone, true);
  await settleAll([sleep(1), sleep(2)]);
});

test("removeCgroupDir tolerates an absent directory and refuses at once what EBUSY does not explain", async (t) => {
  const root = await tempDir(t);
  await removeCgroupDir(join(root, "absent"));
  const full = join(root, "full");
  await mkdir(full);
  await writeFile(join(full, "x"), "");
  const started = performance.now();
  await assert.rejects(removeCgroupDir(full), (err: Error) => err.message.startsWith(`rmdir ${full}: ENOTEMPTY`));
  assert.ok(performance.now() - started < 500, "no retries for ENOTEMPTY");
});

test("writes to a file the cgroup does not have fail with ENOENT and create nothing, as cgroupfs does", async (t) => {
  const dir = await tempDir(t);
  assert.throws(() => writeCgroupFile(dir, "pids.max", "1"), { kind: "not-found", message: `write "1" to ${join(dir, "pids.max")}: ENOENT` });
  await assert.rejects(writeCgroupControl(dir, "cgroup.kill", "1"), { kind: "not-found", message: `write "1" to ${join(dir, "cgroup.kill")}: ENOENT` });
  assert.throws(() => writeCgroupRules(dir, "io.max", ["8:0 rbps=1"]), { kind: "not-found", message: `open ${join(dir, "io.max")}: ENOENT` });
  for (const file of ["pids.max", "cgroup.kill", "io.max"]) await assert.rejects(access(join(dir, file)), { code: "ENOENT" }, file);
});

test("a write replaces what a kernel file read before", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "cpu.weight"), "100\n");
  writeCgroupFile(dir, "cpu.weight", "5");
  assert.equal(await readFile(join(dir, "cpu.weight"), "utf8"), "5");
});
