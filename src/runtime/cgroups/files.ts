// Small, checked file operations on cgroupfs. Every failure names the file and keeps the errno as the cause.
//
// Most are synchronous on purpose. cgroupfs never waits for a disk: a mkdir, a limit write or a read of a counter is a
// few microseconds of kernel work, while the same call through fs.promises is a thread-pool round trip of 60-80 us
// here (and a readFile is four of them). The risk of a synchronous call is the kernel's cgroup_mutex: a task that holds
// it while it waits (a write to cgroup.procs waiting for an RCU grace period) stalls the event loop as long
// (docs/performance.md, "Cells"). The freezers' writes and the rmdir retries of a busy cgroup stay asynchronous.
import { accessSync, closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, writeSync } from "node:fs";
import { rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, internal, osError } from "../../errors.js";

/**
 * Opens a kernel file for writing without O_CREAT: cgroupfs never lets anyone create a file, so a write to a file the
 * kernel does not offer fails with ENOENT, on a real kernel and on a test's fake tree alike.
 */
const WRITE_EXISTING = constants.O_WRONLY | constants.O_TRUNC;

export function writeCgroupFile(dir: string, file: string, value: string): void {
  writeEach(join(dir, file), [value], { end: "", openWhat: `write "${value}" to` });
}

/**
 * writeCgroupFile off the event loop, for the freezers' writes (cgroup.freeze, freezer.state): the kernel visits every
 * task below the cgroup, and the v1 freezer takes its own lock against other freezes and attaches.
 */
export async function writeCgroupControl(dir: string, file: string, value: string): Promise<void> {
  const path = join(dir, file);
  try {
    await writeFile(path, value, { flag: WRITE_EXISTING });
  } catch (err) {
    throw osError(`write "${value}" to`, path, err);
  }
}

/**
 * Writes one rule per write(2) through one open file: files such as io.max and blkio.throttle.*_device parse a
 * single rule per write (a fake cgroupfs file ends up holding every rule, in order).
 */
export function writeCgroupRules(dir: string, file: string, rules: readonly string[]): void {
  writeEach(join(dir, file), rules, { end: "\n", openWhat: "open" });
}

/** One write(2) of each value (plus `end`) through one descriptor of an existing file. */
function writeEach(path: string, values: readonly string[], opts: { readonly end: string; readonly openWhat: string }): void {
  let fd: number;
  try {
    fd = openSync(path, WRITE_EXISTING);
  } catch (err) {
    throw osError(opts.openWhat, path, err);
  }
  try {
    for (const value of values)
      try {
        writeSync(fd, `${value}${opts.end}`);
      } catch (err) {
        throw osError(`write "${value}" to`, path, err);
      }
  } finally {
    closeSync(fd);
  }
}

export function readCgroupFile(dir: string, file: string): string {
  const path = join(dir, file);
  try {
    return readFileSync(path, "utf8").trim();
  } catch (err) {
    throw osError("read", path, err);
  }
}

/** The file's text, or "" when it does not exist (a counter or rule file the kernel does not offer here). */
export function readCgroupFileIfExists(dir: string, file: string): string {
  try {
    return readCgroupFile(dir, file);
  } catch (err) {
    if (errnoCode((err as Error).cause) === "ENOENT") return "";
    throw err;
  }
}

/** Throws (not-found for ENOENT) naming `dir` unless the cgroup exists: its counter files would read as "" instead. */
export function requireCgroup(dir: string): void {
  try {
    accessSync(dir);
  } catch (err) {
    throw osError("read cgroup", dir, err);
  }
}

export function cgroupFileExists(dir: string, file: string): boolean {
  return statSync(join(dir, file), { throwIfNoEntry: false }) !== undefined;
}

/** Makes the cgroup `dir`; answers false when it was there already. */
export function makeCgroupDir(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (err) {
    if (errnoCode(err) !== "EEXIST") throw osError("mkdir", dir, err);
    return false;
  }
}

/**
 * rmdir that tolerates absence and retries EBUSY: a killed task leaves its cgroup a moment after it dies, usually
 * within a millisecond, so the waits start at 1 ms and double up to 64 ms, about 2 s in all before giving up. The
 * first try is synchronous (an empty cgroup goes at once); the retries wait off the event loop.
 */
export async function removeCgroupDir(dir: string, budgetMs = 2000): Promise<void> {
  try {
    rmdirSync(dir);
    return;
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOENT") return;
    if (code !== "EBUSY" || budgetMs <= 0) throw osError("rmdir", dir, err);
  }
  for (let waitedMs = 0, delayMs = 1; ; waitedMs += delayMs, delayMs = Math.min(delayMs * 2, 64)) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || waitedMs + delayMs >= budgetMs) throw osError("rmdir", dir, err);
    }
  }
}

/**
 * Runs operations at once and waits for every one, so none is still running when this returns; then throws the first
 * failure. (Promise.all would reject while the others still run, and a caller's cleanup would race them.)
 */
export async function settleAll(operations: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(operations)).find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/**
 * Pids listed in `<dir>/cgroup.procs`; an absent cgroup holds none, nor one removed while being read (ENODEV). A read
 * takes no cgroup_mutex (v2 walks the css_set under css_set_lock, v1 builds its pid list under its own mutex).
 */
export function readProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENODEV") return [];
    throw osError("read", join(dir, "cgroup.procs"), err);
  }
}

/** Pids in `dir` and every cgroup below it. */
export function readProcsRecursive(dir: string): number[] {
  const pids = readProcs(dir);
  for (const child of childCgroups(dir)) pids.push(...readProcsRecursive(join(dir, child)));
  return pids;
}

/** Names of the cgroups directly below `dir`; none when it does not exist. */
export function childCgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw osError("read directory", dir, err);
  }
}

/**
 * SIGKILLs every process in a cgroup tree: through `killFileDir`/cgroup.kill when given (5.14+), else by signalling
 * what `listPids` finds until it finds nothing. A cgroup that is gone holds nothing to kill.
 */
export async function killCgroupTree(opts: {
  readonly killFileDir: string | undefined;
  readonly listPids: () => Promise<number[]>;
  readonly what: string;
  readonly afterSignals?: () => Promise<void>;
}): Promise<void> {
  if (opts.killFileDir !== undefined) {
    // The kernel queues SIGKILL to each task and returns: it waits for none of them to die.
    try {
      writeCgroupFile(opts.killFileDir, "cgroup.kill", "1");
    } catch (err) {
      if (errnoCode((err as Error).cause) !== "ENOENT") throw err;
    }
    return;
  }
  await killUntilEmpty(opts.listPids, opts.what, opts.afterSignals).catch((err: unknown) => {
    throw internal(`kill ${opts.what}: ${(err as Error).message}`, { cause: err });
  });
}

async function killUntilEmpty(
  listPids: () => Promise<number[]>,
  what: string,
  afterSignals?: () => Promise<void>,
): Promise<void> {
  for (let round = 0; round < 200; round++) {
    const pids = await listPids();
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch (err) {
        if (errnoCode(err) !== "ESRCH") throw osError("kill", `pid ${pid} in ${what}`, err);
      }
    }
    await afterSignals?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`processes in ${what} survived SIGKILL`);
}

/**
 * Every cgroup below any of `roots`, as paths relative to them, children before their parents; below a path in
 * `notBelow`, nothing is read.
 */
export function listCgroupPaths(roots: readonly string[], notBelow: ReadonlySet<string> = new Set()): string[] {
  const found = new Set<string>();
  const walk = (root: string, relative: string): void => {
    for (const child of childCgroups(join(root, relative))) {
      const path = relative ? `${relative}/${child}` : child;
      if (!notBelow.has(path)) walk(root, path);
      found.add(path);
    }
  };
  for (const root of roots) walk(root, "");
  return [...found].sort((a, b) => b.split("/").length - a.split("/").length);
}
