import assert from "node:assert/strict";
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { LogWatch } from "../../../../src/runtime/logs/log-watch.js";
import { tempDir } from "../../helpers/temp-dir.js";

/** Whether `changed` returned before `ms` passed. */
async function wokeWithin(watch: LogWatch, ms: number): Promise<boolean> {
  const ac = new AbortController();
  const woke = watch.changed(ac.signal).then(() => true);
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms));
  const result = await Promise.race([woke, timer]);
  ac.abort();
  await woke;
  return result;
}

test("a watched log dir sleeps until it is written to: no polling", async (t) => {
  const dir = await tempDir(t, "aurae-log-watch-");
  const watch = new LogWatch(5);
  t.after(() => watch.close());
  watch.add(dir);
  assert.equal(watch.polling, false);
  await watch.changed(AbortSignal.timeout(1000)); // the first call returns at once: nothing was read yet
  assert.equal(await wokeWithin(watch, 200), false, "40 poll periods passed without a wake");
  const woke = watch.changed(AbortSignal.timeout(5000));
  await appendFile(join(dir, "00000000000000000000.log"), "x\n");
  await woke;
});

test("a dir that cannot be watched yet is polled, then watched once it exists", async (t) => {
  const dir = join(await tempDir(t, "aurae-log-watch-"), "log");
  const watch = new LogWatch(5);
  t.after(() => watch.close());
  watch.add(dir);
  assert.equal(watch.polling, true);
  await watch.changed(AbortSignal.timeout(1000));
  assert.equal(await wokeWithin(watch, 1000), true, "polled");
  await mkdir(dir);
  await watch.changed(AbortSignal.timeout(1000)); // watched again, and at once: writes may have come before
  assert.equal(watch.polling, false);
  assert.equal(await wokeWithin(watch, 200), false);
});

test("poke wakes a waiting follower (a new log to read)", async (t) => {
  const watch = new LogWatch();
  t.after(() => watch.close());
  await watch.changed(AbortSignal.timeout(1000));
  const woke = watch.changed(AbortSignal.timeout(5000));
  watch.poke();
  await woke;
});
