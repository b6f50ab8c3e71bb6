import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { removeCgroupDir, settleAll } from "../../../../src/runtime/cgroups/files.js";
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
