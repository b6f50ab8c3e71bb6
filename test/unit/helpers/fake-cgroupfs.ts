// Temp directories shaped like cgroupfs, as far as the drivers read them. mkdir in a plain directory creates no
// kernel files, so a test makes the ones a driver reads (cgroup.controllers, cgroup.procs, the limit files of our
// root) before the driver runs. A write replaces a fake file's text, except that the drivers write per-device rule
// files (io.max, blkio.throttle.*) one rule per write(2) through one open file: the fake then holds every rule.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The interface files cgroup v2 gives a cgroup for each controller its parent enables, with their defaults. */
export const V2_CONTROLLER_FILES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  cpu: { "cpu.max": "max 100000", "cpu.weight": "100", "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\n" },
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
 * and the interface files of those controllers (a parent enabling them for it gives it those files).
 */
export async function makeFakeCgroup(dir: string, controllers: readonly string[], opts: FakeCgroupOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "cgroup.controllers"), `${controllers.join(" ")}\n`);
  await writeFile(join(dir, "cgroup.subtree_control"), "");
  const files = [["cgroup.kill", ""] as [string, string], ...controllers.flatMap((c) => Object.entries(V2_CONTROLLER_FILES[c] ?? {}))];
  await writeKernelFiles(dir, files, opts, "w");
  return dir;
}

/** Gives `dir` (made if needed) the files a v1 `controller` shows in a new cgroup, keeping any file already there. */
export async function addFakeV1Files(dir: string, controller: string, opts: FakeCgroupOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeKernelFiles(dir, Object.entries(V1_CONTROLLER_FILES[controller] ?? {}), opts, "wx");
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

/** What a driver wrote to each of `files` in `dir`, by file name: one deepEqual checks them all. */
export async function readCgroupValues(dir: string, files: readonly string[]): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(files.map(async (file) => [file, await readCgroupValue(dir, file)] as const)));
}

async function writeKernelFiles(dir: string, files: readonly [string, string][], opts: FakeCgroupOptions, flag: string): Promise<void> {
  for (const [file, text] of files.filter(([name]) => !opts.without?.includes(name)))
    await writeFile(join(dir, file), text, { flag }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "EEXIST") throw err;
    });
}
