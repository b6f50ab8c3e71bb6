// Temp directories shaped like cgroupfs, as far as the drivers read and write them. Like the kernel, the fake never
// creates a file on write (the drivers open without O_CREAT, so a write to a file the kernel would not offer fails with
// ENOENT) and gives a cgroup its interface files when it is made: a directory made with mkdir (by a driver or a test)
// below a fake hierarchy (makeFakeCgroup, addFakeV1Files) gets the core files and those of its controllers, with their
// defaults, and rmdir of a cgroup removes them as the kernel does. A test sets counters and states with writeFakeFiles.
// A write replaces a fake file's text, except that the drivers write per-device rule files (io.max, blkio.throttle.*)
// one rule per write(2) through one open file: the fake then holds every rule.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";

/** The files every cgroup v2 directory has, whatever its controllers. */
const V2_CORE_FILES: Readonly<Record<string, string>> = {
  "cgroup.procs": "",
  "cgroup.threads": "",
  "cgroup.subtree_control": "",
  "cgroup.events": "populated 0\nfrozen 0\n",
  "cgroup.freeze": "0",
  "cgroup.kill": "",
  "cgroup.type": "domain",
  "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\n",
};

/** The files every cgroup v1 directory has, in any hierarchy. */
const V1_CORE_FILES: Readonly<Record<string, string>> = {
  "cgroup.procs": "",
  tasks: "",
  notify_on_release: "0",
  "cgroup.clone_children": "0",
};

/** The interface files cgroup v2 gives a cgroup for each controller its parent enables, with their defaults. */
export const V2_CONTROLLER_FILES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  cpu: { "cpu.max": "max 100000", "cpu.weight": "100", "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "", "cpuset.cpus.effective": "0-1", "cpuset.mems.effective": "0" },
  io: { "io.max": "", "io.weight": "default 100", "io.stat": "" },
  memory: {
    "memory.max": "max",
    "memory.high": "max",
    "memory.low": "0",
    "memory.min": "0",
    "memory.swap.max": "max",
    "memory.current": "0",
    "memory.peak": "0",
    "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
  },
  pids: { "pids.max": "max", "pids.current": "0" },
};

const V1_UNLIMITED = "9223372036854771712"; // what v1 memory files read when unlimited (LONG_MAX, page-aligned)

/** The files cgroup v1 gives a non-root cgroup in each hierarchy, with a new cgroup's values. */
export const V1_CONTROLLER_FILES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  cpu: {
    "cpu.shares": "1024",
    "cpu.cfs_period_us": "100000",
    "cpu.cfs_quota_us": "-1",
    "cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n",
  },
  cpuacct: { "cpuacct.usage": "0", "cpuacct.stat": "user 0\nsystem 0\n" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "" },
  memory: {
    "memory.limit_in_bytes": V1_UNLIMITED,
    "memory.memsw.limit_in_bytes": V1_UNLIMITED,
    "memory.usage_in_bytes": "0",
    "memory.max_usage_in_bytes": "0",
    "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
  },
  pids: { "pids.max": "max", "pids.current": "0" },
  blkio: {
    "blkio.throttle.read_bps_device": "",
    "blkio.throttle.write_bps_device": "",
    "blkio.throttle.read_iops_device": "",
    "blkio.throttle.write_iops_device": "",
    "blkio.throttle.io_service_bytes": "Total 0\n",
    "blkio.throttle.io_service_bytes_recursive": "Total 0\n",
    "blkio.bfq.weight": "100",
  },
  freezer: { "freezer.state": "THAWED" },
};

export interface FakeCgroupOptions {
  /**
   * Files the fake kernel does not offer (memory.swap.max without swap accounting, io.weight without iocost,
   * cgroup.kill before 5.14).
   */
  readonly without?: readonly string[];
}

/**
 * Makes `dir` (and its parents) a v2 cgroup whose cgroup.controllers lists `controllers`, with nothing enabled below,
 * and the interface files of those controllers (a parent enabling them for it gives it those files). Cgroups made
 * below it get the files of what it enables in cgroup.subtree_control, less `opts.without`.
 */
export async function makeFakeCgroup(dir: string, controllers: readonly string[], opts: FakeCgroupOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  fakeHierarchies.set(resolve(dir), { v2: true, controllers: new Set(), opts });
  writeKernelFiles(dir, Object.entries(V2_CORE_FILES), opts, "wx");
  await writeFile(join(dir, "cgroup.controllers"), `${controllers.join(" ")}\n`);
  await writeFile(join(dir, "cgroup.subtree_control"), "");
  writeKernelFiles(dir, controllers.flatMap((c) => Object.entries(V2_CONTROLLER_FILES[c] ?? {})), opts, "w");
  // A parent fake hierarchy's mkdir gave it every core file: take away what this kernel lacks.
  for (const name of opts.without ?? []) await rm(join(dir, name), { force: true });
  return dir;
}

/**
 * Gives `dir` (made if needed) the files a v1 `controller` shows in a new cgroup, keeping any file already there, and
 * every cgroup made below it the same (a hierarchy's top: call it once per controller mounted there).
 */
export async function addFakeV1Files(dir: string, controller: string, opts: FakeCgroupOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const known = fakeHierarchies.get(resolve(dir));
  const controllers = new Set(known && !known.v2 ? known.controllers : nearestHierarchy(dir)?.controllers);
  fakeHierarchies.set(resolve(dir), { v2: false, controllers: controllers.add(controller), opts });
  writeKernelFiles(dir, Object.entries(V1_CORE_FILES), opts, "wx");
  writeKernelFiles(dir, Object.entries(V1_CONTROLLER_FILES[controller] ?? {}), opts, "wx");
}

/** Makes `dir` (and its parents) a cgroup holding `pids`, one per line as the kernel lists them. */
export async function writeFakeProcs(dir: string, pids: readonly number[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "cgroup.procs"), pids.map((pid) => `${pid}\n`).join(""));
}

/** Sets fake kernel files of `dir` (made if needed), e.g. counters a test reads back through stats(). */
export async function writeFakeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
}

/** What a driver wrote to `<dir>/<file>`. */
export const readCgroupValue = (dir: string, file: string): Promise<string> => readFile(join(dir, file), "utf8");

/** The files of a cgroup the fake kernel made whose text is no longer what the kernel gave it, sorted. */
export async function changedFiles(dir: string): Promise<string[]> {
  const given = madeWith.get(resolve(dir));
  if (!given) throw new Error(`${dir} is not a cgroup the fake kernel made`);
  const changed: string[] = [];
  for (const [file, text] of Object.entries(given)) if ((await readFile(join(dir, file), "utf8").catch(() => undefined)) !== text) changed.push(file);
  return changed.sort();
}

/** What a driver wrote to each of `files` in `dir`, by file name: one deepEqual checks them all. */
export async function readCgroupValues(dir: string, files: readonly string[]): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(files.map(async (file) => [file, await readCgroupValue(dir, file)] as const)));
}

function writeKernelFiles(dir: string, files: readonly [string, string][], opts: FakeCgroupOptions, flag: string): void {
  kernelWriting = true; // not a driver's write (see writtenFiles)
  try {
    for (const [file, text] of files.filter(([name]) => !opts.without?.includes(name)))
      try {
        writeFileSync(join(dir, file), text, { flag });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
  } finally {
    kernelWriting = false;
  }
}

interface FakeHierarchy {
  readonly v2: boolean;
  /** v1: the controllers mounted there (v2 reads its parent's cgroup.subtree_control instead). */
  readonly controllers: Set<string>;
  readonly opts: FakeCgroupOptions;
}

/** Fake cgroups whose descendants get kernel files when made, by absolute path; the nearest ancestor counts. */
const fakeHierarchies = new Map<string, FakeHierarchy>();
/** The files (and their text) the fake kernel gave each cgroup it made, by absolute path: what changedFiles compares. */
const madeWith = new Map<string, Readonly<Record<string, string>>>();

function nearestHierarchy(dir: string): FakeHierarchy | undefined {
  for (let at = dirname(resolve(dir)); ; at = dirname(at)) {
    const found = fakeHierarchies.get(at);
    if (found || at === dirname(at)) return found;
  }
}

/** What the kernel puts in a cgroup it has just made below a fake hierarchy. */
function giveKernelFiles(dir: string, hierarchy: FakeHierarchy): void {
  const files = hierarchy.v2
    ? v2Files(dir)
    : [...Object.entries(V1_CORE_FILES), ...[...hierarchy.controllers].flatMap((c) => Object.entries(V1_CONTROLLER_FILES[c] ?? {}))];
  // A controller's file replaces a core file of the same name (cpu.stat gains the cpu controller's counters).
  const given = Object.entries({ ...Object.fromEntries(files), ...clonedCpuset(dir, hierarchy) })
    .filter(([name]) => !hierarchy.opts.without?.includes(name));
  writeKernelFiles(dir, given, {}, "wx");
  madeWith.set(resolve(dir), Object.fromEntries(given));
}

/**
 * v1 cpuset: below a cgroup whose cgroup.clone_children is 1, a new cgroup inherits the flag and its parent's cpus and
 * mems (cpuset_css_online), instead of empty sets.
 */
function clonedCpuset(dir: string, hierarchy: FakeHierarchy): Record<string, string> {
  const parent = dirname(dir);
  if (hierarchy.v2 || !hierarchy.controllers.has("cpuset") || readFakeFile(parent, "cgroup.clone_children") !== "1") return {};
  return {
    "cgroup.clone_children": "1",
    "cpuset.cpus": readFakeFile(parent, "cpuset.cpus") ?? "",
    "cpuset.mems": readFakeFile(parent, "cpuset.mems") ?? "",
  };
}

const readFakeFile = (dir: string, file: string): string | undefined =>
  existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8").trim() : undefined;

/** A new v2 cgroup's files: the core ones and those of what its parent enables for it. */
function v2Files(dir: string): [string, string][] {
  // The fake's subtree_control holds what was written ("+cpu +memory"); the kernel's would read "cpu memory".
  const subtreeControl = join(dirname(dir), "cgroup.subtree_control");
  const written = existsSync(subtreeControl) ? readFileSync(subtreeControl, "utf8") : "";
  const enabled = written.split(/\s+/).filter((w) => w && !w.startsWith("-")).map((w) => w.replace(/^\+/, ""));
  return [
    ["cgroup.controllers", `${enabled.join(" ")}\n`],
    ...Object.entries(V2_CORE_FILES),
    ...enabled.flatMap((c) => Object.entries(V2_CONTROLLER_FILES[c] ?? {})),
  ];
}

// mkdir and rmdir as cgroupfs does them below a fake hierarchy: a plain directory cannot create files on mkdir, so the
// fake wraps the two calls of node:fs and of node:fs/promises (the drivers' and the tests' own) and leaves every other
// path alone.
const require = createRequire(import.meta.url);
const fs = require("node:fs") as typeof import("node:fs");
const fsPromises = require("node:fs/promises") as typeof import("node:fs/promises");
const { mkdirSync: plainMkdirSync, openSync: plainOpenSync, rmdirSync: plainRmdirSync } = fs;
const { mkdir: plainMkdir, rmdir: plainRmdir } = fsPromises;
type MkdirOptions = Parameters<typeof plainMkdirSync>[1];

function mkdirSync(path: import("node:fs").PathLike, options?: MkdirOptions): string | undefined {
  const dir = resolve(String(path));
  const first = plainMkdirSync(dir, options);
  afterMkdir(dir, options, first);
  return first;
}

async function mkdir(path: import("node:fs").PathLike, options?: MkdirOptions): Promise<string | undefined> {
  const dir = resolve(String(path));
  const first = await plainMkdir(dir, options);
  afterMkdir(dir, options, first);
  return first;
}

/** Gives every cgroup `mkdir(dir, options)` made below a fake hierarchy its kernel files. */
function afterMkdir(dir: string, options: MkdirOptions, first: string | undefined): void {
  const recursive = typeof options === "object" && options?.recursive === true;
  const made = recursive ? first : dir; // a recursive mkdir answers the first directory it made, if any
  if (made === undefined) return;
  const levels = relative(made, dir).split("/").filter(Boolean);
  for (let at = made, i = 0; ; at = join(at, levels[i++]!)) {
    const hierarchy = nearestHierarchy(at);
    if (hierarchy) giveKernelFiles(at, hierarchy);
    if (i === levels.length) break;
  }
}

function rmdirSync(path: import("node:fs").PathLike): void {
  beforeRmdir(resolve(String(path)));
  plainRmdirSync(resolve(String(path)));
}

async function rmdir(path: import("node:fs").PathLike): Promise<void> {
  beforeRmdir(resolve(String(path)));
  return plainRmdir(resolve(String(path)));
}

/** A cgroup with children stays (the rmdir then fails); one without loses its interface files with it. */
function beforeRmdir(dir: string): void {
  if (!nearestHierarchy(dir) && !fakeHierarchies.has(dir)) return;
  const entries = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : [];
  if (!entries.some((e) => e.isDirectory())) for (const e of entries) rmSync(join(dir, e.name), { force: true });
}

/** Files opened for writing below a fake hierarchy through node:fs's openSync (the drivers' writes), by directory. */
const openedForWrite = new Map<string, string[]>();
let kernelWriting = false;

function openSync(path: import("node:fs").PathLike, flags?: import("node:fs").OpenMode, mode?: import("node:fs").Mode): number {
  const file = resolve(String(path));
  const writing = typeof flags === "number" ? (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0 : /[wa+]/.test(flags ?? "r");
  if (writing && !kernelWriting && nearestHierarchy(file)) openedForWrite.set(dirname(file), [...(openedForWrite.get(dirname(file)) ?? []), basename(file)]);
  return plainOpenSync(path, flags ?? "r", mode);
}

/** The files of `dir` a driver opened for writing so far, in order (a same-value write changes no file's text). */
export const writtenFiles = (dir: string): string[] => [...(openedForWrite.get(resolve(dir)) ?? [])];

Object.assign(fs, { mkdirSync, openSync, rmdirSync });
Object.assign(fsPromises, { mkdir, rmdir });
syncBuiltinESMExports();
