// Usage counters of a cgroup from each mode's files, in the units CgroupStats names. A file the host does not offer
// (memory.peak before Linux 5.19, a controller not delegated) counts 0.
import { join } from "node:path";
import type { CgroupStats, RetiredUsage } from "./driver.js";
import { childCgroups, readCgroupFileIfExists } from "./files.js";

/** cgroup v2: every counter below is hierarchical except cpu.stat's throttling, which is the cgroup's own quota's. */
export function readV2Stats(dir: string): CgroupStats {
  const read = (file: string) => readCgroupFileIfExists(dir, file);
  const cpu = flatKeyed(read("cpu.stat"));
  const io = sumNestedKeyed(read("io.stat"));
  return {
    cpuUsageUs: cpu("usage_usec"),
    cpuUserUs: cpu("user_usec"),
    cpuSystemUs: cpu("system_usec"),
    cpuThrottledPeriods: cpu("nr_throttled"),
    cpuThrottledUs: cpu("throttled_usec"),
    memoryCurrentBytes: count(read("memory.current")),
    memoryPeakBytes: count(read("memory.peak")),
    oomKills: flatKeyed(read("memory.events"))("oom_kill"),
    pidsCurrent: count(read("pids.current")),
    ioReadBytes: io("rbytes"),
    ioWriteBytes: io("wbytes"),
  };
}

type V1StatController = "cpu" | "cpuacct" | "memory" | "pids" | "blkio";

/** The directory of the cgroup in each v1 hierarchy the counters come from. */
export type V1StatDirs = (controller: V1StatController) => string;

// cpuacct.stat counts in USER_HZ ticks, which the kernel fixes at 100 per second for userspace on every architecture.
const US_PER_USER_HZ_TICK = 10_000;

/**
 * cgroup v1: cpuacct, memory usage and pids are hierarchical; oom_kill and block I/O bytes are summed over the
 * cgroups of the subtree that still exist (what removed ones counted is the caller's to keep: readV1RetiredUsage).
 */
export function readV1Stats(dirOf: V1StatDirs): CgroupStats {
  const read = (controller: V1StatController, file: string) => readCgroupFileIfExists(dirOf(controller), file);
  const cpuacct = flatKeyed(read("cpuacct", "cpuacct.stat"));
  const cpu = flatKeyed(read("cpu", "cpu.stat"));
  return {
    cpuUsageUs: usFromNs(read("cpuacct", "cpuacct.usage")),
    cpuUserUs: cpuacct("user") * US_PER_USER_HZ_TICK,
    cpuSystemUs: cpuacct("system") * US_PER_USER_HZ_TICK,
    cpuThrottledPeriods: cpu("nr_throttled"),
    cpuThrottledUs: Math.floor(cpu("throttled_time") / 1000),
    memoryCurrentBytes: count(read("memory", "memory.usage_in_bytes")),
    memoryPeakBytes: count(read("memory", "memory.max_usage_in_bytes")),
    ...sumOverSubtree(dirOf("memory"), ownV1OomKills),
    pidsCurrent: count(read("pids", "pids.current")),
    ...sumOverSubtree(dirOf("blkio"), ownV1IoBytes),
  };
}

/**
 * What a v1 cgroup's ancestors stop counting once it is removed: its own OOM kills and block I/O. cpuacct charges
 * every ancestor as the task runs and memory.max_usage_in_bytes is each cgroup's own watermark, so those stay
 * (measured on Linux 6.18: a parent's cpuacct.usage and peak are unchanged by a child's rmdir).
 */
export function readV1RetiredUsage(dirOf: V1StatDirs): RetiredUsage {
  return { ...ownV1OomKills(dirOf("memory")), ...ownV1IoBytes(dirOf("blkio")) };
}

// A v1 memory cgroup counts in memory.oom_control only the kills of its own tasks (measured: a child's OOM kill
// leaves the parent's oom_kill at 0).
function ownV1OomKills(dir: string): Pick<RetiredUsage, "oomKills"> {
  return { oomKills: flatKeyed(readCgroupFileIfExists(dir, "memory.oom_control"))("oom_kill") };
}

// Not blkio.throttle.io_service_bytes_recursive of the cgroup: it goes on counting a removed child until the kernel
// frees the child's blkg, a moment after the rmdir, then drops it (measured on Linux 6.18), so a sum of it and the
// kept counts would count a child twice, then once. Recent kernels (6.18 here) count v1 bytes only on devices where
// blk-throttle is active (a throttle rule was set on the device since boot).
function ownV1IoBytes(dir: string): Pick<RetiredUsage, "ioReadBytes" | "ioWriteBytes"> {
  const bytes = sumBlkioBytes(readCgroupFileIfExists(dir, "blkio.throttle.io_service_bytes"));
  return { ioReadBytes: bytes.read, ioWriteBytes: bytes.write };
}

/** `own` of `dir` plus that of every cgroup below it, key by key. */
function sumOverSubtree<T extends Record<string, number>>(dir: string, own: (dir: string) => T): T {
  const sum: Record<string, number> = { ...(own(dir)) };
  for (const child of childCgroups(dir)) {
    const below = sumOverSubtree(join(dir, child), own);
    for (const key of Object.keys(sum)) sum[key]! += below[key]!;
  }
  return sum as T;
}

/** A one-number file; "" (absent) is 0. */
const count = (text: string): number => (text === "" ? 0 : Number(text.split(/\s+/)[0]));

const usFromNs = (text: string): number => (text === "" ? 0 : Number(BigInt(text.trim()) / 1000n));

/** A "key value" per line file (cpu.stat, memory.events, cpuacct.stat): a lookup where a missing key is 0. */
function flatKeyed(text: string): (key: string) => number {
  const values = new Map<string, string | undefined>(text.split("\n").map((line) => {
    const [key = "", value] = line.trim().split(/\s+/);
    return [key, value];
  }));
  return (key) => {
    const value = Number(values.get(key));
    return Number.isFinite(value) ? value : 0;
  };
}

/** io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N ..." per device: a lookup summing one key over the devices. */
function sumNestedKeyed(text: string): (key: string) => number {
  return (key) =>
    text
      .split("\n")
      .flatMap((line) => line.trim().split(/\s+/).slice(1))
      .filter((pair) => pair.startsWith(`${key}=`))
      .reduce((sum, pair) => sum + Number(pair.slice(key.length + 1)), 0);
}

/**
 * blkio.throttle.io_service_bytes(_recursive): "MAJ:MIN Read N" (also Write, Sync, Async, Discard, Total) per device,
 * then "Total N"; a cgroup that has done no I/O lists only "Total 0".
 */
function sumBlkioBytes(text: string): { read: number; write: number } {
  const sum = { read: 0, write: 0 };
  for (const line of text.split("\n")) {
    const [device, op, bytes] = line.trim().split(/\s+/);
    if (!device?.includes(":")) continue;
    if (op === "Read") sum.read += Number(bytes);
    if (op === "Write") sum.write += Number(bytes);
  }
  return sum;
}
