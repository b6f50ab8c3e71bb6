import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { statusPath } from "../../../../src/runtime/shim/shim-status.js";
import { SHIM_DIED, StatusWatch } from "../../../../src/runtime/shim/status-watch.js";
import { tempDir } from "../../helpers/temp-dir.js";

const STATUS = JSON.stringify({ pid: 7, startedAtUnixNano: "1", exitedAtUnixNano: "2", exitCode: 3, signal: null, oomKilled: false, logClosed: false });

/** As native/src/status.c does it: a temp file renamed over the name. */
async function writeStatus(dir: string): Promise<void> {
  await writeFile(join(dir, "status.json.tmp"), STATUS);
  await rename(join(dir, "status.json.tmp"), statusPath(dir));
}

/** Resolves to "pending" unless `promise` settles within `ms`. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | "pending"> => Promise.race([promise, sleep(ms).then(() => "pending" as const)]);

test("answers the status a shim writes while waiting, told by inotify long before a sweep", async (t) => {
  const dir = await tempDir(t);
  const watch = new StatusWatch({ sweepMs: 60_000 });
  t.after(() => watch.close());
  const exited = watch.exited(dir);
  assert.equal(await within(exited, 50), "pending");
  await writeStatus(dir);
  const status = await within(exited, 1000);
  assert.notEqual(status, "pending");
  assert.equal(typeof status === "object" ? status.exitCode : undefined, 3);
});

test("answers at once a status written before the wait began", async (t) => {
  const dir = await tempDir(t);
  await writeStatus(dir);
  const watch = new StatusWatch({ sweepMs: 60_000 });
  t.after(() => watch.close());
  const status = await watch.exited(dir);
  assert.equal(typeof status === "object" ? status.pid : undefined, 7);
});

test("finds a status no event announced with its shared sweep", async (t) => {
  const root = await tempDir(t);
  const dir = join(root, "not-yet"); // cannot be watched: it does not exist when the wait begins
  const watch = new StatusWatch({ sweepMs: 100 });
  t.after(() => watch.close());
  const exited = watch.exited(dir);
  await mkdir(dir);
  await writeStatus(dir);
  assert.equal((await within(exited, 2000)) !== "pending", true);
});

test("waits on many directories at once, each answered by its own status", async (t) => {
  const root = await tempDir(t);
  const dirs = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const dir = join(root, String(i));
    await mkdir(dir);
    return dir;
  }));
  const watch = new StatusWatch({ sweepMs: 60_000 });
  t.after(() => watch.close());
  const waits = dirs.map((dir) => watch.exited(dir));
  await writeStatus(dirs[17]!);
  assert.equal((await within(waits[17]!, 1000)) !== "pending", true);
  assert.equal(await within(waits[18]!, 50), "pending");
  for (const dir of dirs) if (dir !== dirs[17]) await writeStatus(dir);
  assert.equal((await Promise.all(waits)).every((s) => typeof s === "object" && s.exitCode === 3), true);
});

/** A process whose command line names `dir` as a shim's does, standing in for the shim. */
function fakeShim(t: { after(fn: () => unknown): void }, dir: string) {
  const child = spawn("sh", ["-c", "sleep 60", "aurae-shim", "--state-dir", dir], { stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  return child;
}

test("answers SHIM_DIED once the shim named in shim.pid is gone without writing a status", async (t) => {
  const dir = await tempDir(t);
  const shim = fakeShim(t, dir);
  await writeFile(join(dir, "shim.pid"), `${shim.pid}\n`);
  const watch = new StatusWatch({ sweepMs: 50 });
  t.after(() => watch.close());
  const exited = watch.exited(dir);
  assert.equal(await within(exited, 300), "pending", "alive: still waiting");
  shim.kill("SIGKILL");
  await once(shim, "exit");
  assert.equal(await within(exited, 2000), SHIM_DIED);
});

test("a pid in shim.pid that another process holds now is not the shim: SHIM_DIED", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "shim.pid"), `${process.pid}\n`); // alive, but its command line is not this shim's
  const watch = new StatusWatch({ sweepMs: 50 });
  t.after(() => watch.close());
  assert.equal(await within(watch.exited(dir), 2000), SHIM_DIED);
});

test("a status written as the shim exits wins over its death", async (t) => {
  const dir = await tempDir(t);
  const shim = fakeShim(t, dir);
  await writeFile(join(dir, "shim.pid"), `${shim.pid}\n`);
  shim.kill("SIGKILL");
  await once(shim, "exit");
  await writeStatus(dir);
  const watch = new StatusWatch({ sweepMs: 50 });
  t.after(() => watch.close());
  const status = await within(watch.exited(dir), 2000);
  assert.equal(typeof status === "object" ? status.exitCode : status, 3);
});

test("without shim.pid (a shim from before it) the wait goes on", async (t) => {
  const dir = await tempDir(t);
  const watch = new StatusWatch({ sweepMs: 50 });
  t.after(() => watch.close());
  assert.equal(await within(watch.exited(dir), 300), "pending");
});

/** The inotify watches this process holds now, as the kernel lists them in /proc/self/fdinfo. */
async function inotifyWatches(): Promise<number> {
  let count = 0;
  for (const fd of await readdir("/proc/self/fdinfo")) {
    const info = await readFile(`/proc/self/fdinfo/${fd}`, "utf8").catch(() => "");
    count += info.split("\n").filter((line) => line.startsWith("inotify wd:")).length;
  }
  return count;
}

test("close answers every wait with undefined and leaves no timer or watch behind", async (t) => {
  const dir = await tempDir(t);
  const before = await inotifyWatches();
  const watch = new StatusWatch({ sweepMs: 10 });
  const waits = [watch.exited(dir), watch.exited(dir)];
  assert.ok((await inotifyWatches()) > before, "waiting, it watches the directory"); // so the count below can fail
  watch.close();
  assert.deepEqual(await Promise.all(waits), [undefined, undefined]);
  assert.equal(await watch.exited(dir), undefined); // closed for good
  assert.equal(await inotifyWatches(), before, "no inotify watch left");
});

test("rejects on a status file that cannot be parsed", async (t) => {
  const dir = await tempDir(t);
  await writeFile(statusPath(dir), "{");
  const watch = new StatusWatch();
  t.after(() => watch.close());
  await assert.rejects(watch.exited(dir), /status.json is corrupt/);
});

test("a wait keeps the process alive until the status comes, with nothing else to keep it", async (t) => {
  const dir = await tempDir(t);
  const module = fileURLToPath(new URL("../../../../src/runtime/shim/status-watch.ts", import.meta.url));
  const script = `import { StatusWatch } from ${JSON.stringify(module)};
    const status = await new StatusWatch({ sweepMs: 60_000 }).exited(${JSON.stringify(dir)});
    process.stdout.write(String(status?.exitCode));`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  await sleep(1500); // it would have exited long since with only unref'd timers and non-persistent watches
  assert.equal(child.exitCode, null, "still waiting");
  await writeStatus(dir);
  await once(child, "exit");
  assert.equal(out, "3");
});
