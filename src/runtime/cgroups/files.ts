// Small, checked file operations on cgroupfs. Every failure names the file and keeps the errno as the cause.
import { constants } from "node:fs";
import { access, mkdir, open, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, internal, osError } from "../../errors.js";

/**
 * Opens a kernel file for writing without O_CREAT: cgroupfs never lets anyone create a file, so a write to a file the
 * kernel does not offer fails with ENOENT, on a real kernel and on a test's fake tree alike.
 */
const WRITE_EXISTING = constants.O_WRONLY | constants.O_TRUNC;

export async function writeCgroupFile(dir: string, file: string, value: string): Promise<void> {
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
export async function writeCgroupRules(dir: string, file: string, rules: readonly string[]): Promise<void> {
  const path = join(dir, file);
  const handle = await open(path, WRITE_EXISTING).catch((err: unknown) => {
    throw osError("open", path, err);
  });
  try {
    for (const rule of rules)
      await handle.write(`${rule}\n`).catch((err: unknown) => {
        throw osError(`write "${rule}" to`, path, err);
      });
  } finally {
    await handle.close();
  }
}

export async function readCgroupFile(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (err) {
    throw osError("read", path, err);
  }
}

/** The file's text, or "" when it does not exist (a counter or rule file the kernel does not offer here). */
export async function readCgroupFileIfExists(dir: string, file: string): Promise<string> {
  try {
    return await readCgroupFile(dir, file);
  } catch (err) {
    if (errnoCode((err as Error).cause) === "ENOENT") return "";
    throw err;
  }
}

export async function cgroupFileExists(dir: string, file: string): Promise<boolean> {
  return access(join(dir, file)).then(
    () => true,
    () => false,
  );
}

export async function makeCgroupDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    if (errnoCode(err) !== "EEXIST") throw osError("mkdir", dir, err);
  }
}

/**
 * rmdir that tolerates absence and retries EBUSY: a killed task leaves its cgroup a moment after it dies, usually
 * within a millisecond, so the waits start at 1 ms and double up to 64 ms, about 2 s in all before giving up.
 */
export async function removeCgroupDir(dir: string, budgetMs = 2000): Promise<void> {
  for (let waitedMs = 0, delayMs = 1; ; waitedMs += delayMs, delayMs = Math.min(delayMs * 2, 64)) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || waitedMs >= budgetMs) throw osError("rmdir", dir, err);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
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

/** Pids listed in `<dir>/cgroup.procs`; an absent cgroup holds none, nor one removed while being read (ENODEV). */
export async function readProcs(dir: string): Promise<number[]> {
  try {
    const text = await readFile(join(dir, "cgroup.procs"), "utf8");
    return text.split("\n").filter(Boolean).map(Number);
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENODEV") return [];
    throw osError("read", join(dir, "cgroup.procs"), err);
  }
}

/** Pids in `dir` and every cgroup below it. */
export async function readProcsRecursive(dir: string): Promise<number[]> {
  const pids = await readProcs(dir);
  for (const child of await childCgroups(dir)) pids.push(...(await readProcsRecursive(join(dir, child))));
  return pids;
}

/** Names of the cgroups directly below `dir`; none when it does not exist. */
export async function childCgroups(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw osError("read directory", dir, err);
  }
}

/**
 * SIGKILLs what `listPids` finds until it finds nothing: the fallback where cgroup.kill does not exist.
 * `afterSignals` runs after each round of signals (the v1 freezer must thaw for them to land).
 */
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
    await writeCgroupFile(opts.killFileDir, "cgroup.kill", "1").catch((err: unknown) => {
      if (errnoCode((err as Error).cause) !== "ENOENT") throw err;
    });
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
export async function listCgroupPaths(roots: readonly string[], notBelow: ReadonlySet<string> = new Set()): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (root: string, relative: string): Promise<void> => {
    for (const child of await childCgroups(join(root, relative))) {
      const path = relative ? `${relative}/${child}` : child;
      if (!notBelow.has(path)) await walk(root, path);
      found.add(path);
    }
  };
  for (const root of roots) await walk(root, "");
  return [...found].sort((a, b) => b.split("/").length - a.split("/").length);
}
