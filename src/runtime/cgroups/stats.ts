// Usage counters of a cgroup from each mode's files, in the units CgroupStats names. A file the host does not offer
// (memory.peak before Linux 5.19, a controller not delegated) counts 0.
import { join } from "node:path";
import type { CgroupStats } from "./driver.js";
import { childCgroups, readCgroupFileIfExists } from "./files.js";

/** cgroup v2: every counter below is hierarchical except cpu.stat's throttling, which is the cgroup's own quota's. */
export async function readV2Stats(dir: string): Promise<CgroupStats> {
  const read = (file: string) => readCgroupFileIfExists(dir, file);
  const cpu = flatKeyed(await read("cpu.stat"));
  const io = sumNestedKeyed(await read("io.stat"));
  return {
    cpuUsageUs: cpu("usage_usec"),
    cpuUserUs: cpu("user_usec"),
    cpuSystemUs: cpu("system_usec"),
    cpuThrottledPeriods: cpu("nr_throttled"),
    cpuThrottledUs: cpu("throttled_usec"),
    memoryCurrentBytes: count(await read("memory.current")),
    memoryPeakBytes: count(await read("memory.peak")),
    oomKills: flatKeyed(await read("memory.events"))("oom_kill"),
    pidsCurrent: count(await read("pids.current")),
    ioReadBytes: io("rbytes"),
    ioWriteBytes: io("wbytes"),
  };
}

type V1StatController = "cpu" | "cpuacct" | "memory" | "pids" | "blkio";

/** The directory of the cgroup in each v1 hierarchy the counters come from. */
export type V1StatDirs = (controller: V1StatController) => string;

// cpuacct.stat counts in USER_HZ ticks, which the kernel fixes at 100 per second for userspace on every architecture.
const US_PER_USER_HZ_TICK = 10_000;

/** cgroup v1: cpuacct, memory usage, pids and blkio counters are hierarchical; oom_kill is not, so it is summed. */
export async function readV1Stats(dirOf: V1StatDirs): Promise<CgroupStats> {
  const read = (controller: V1StatController, file: string) => readCgroupFileIfExists(dirOf(controller), file);
  const cpuacct = flatKeyed(await read("cpuacct", "cpuacct.stat"));
  const cpu = flatKeyed(await read("cpu", "cpu.stat"));
  const blkio = sumBlkioBytes(await read("blkio", "blkio.throttle.io_service_bytes_recursive"));
  return {
    cpuUsageUs: usFromNs(await read("cpuacct", "cpuacct.usage")),
    cpuUserUs: cpuacct("user") * US_PER_USER_HZ_TICK,
    cpuSystemUs: cpuacct("system") * US_PER_USER_HZ_TICK,
    cpuThrottledPeriods: cpu("nr_throttled"),
    cpuThrottledUs: Math.floor(cpu("throttled_time") / 1000),
    memoryCurrentBytes: count(await read("memory", "memory.usage_in_bytes")),
    memoryPeakBytes: count(await read("memory", "memory.max_usage_in_bytes")),
    oomKills: await sumV1OomKills(dirOf("memory")),
    pidsCurrent: count(await read("pids", "pids.current")),
    ioReadBytes: blkio.read,
    ioWriteBytes: blkio.write,
  };
}

// A v1 memory cgroup counts in memory.oom_control only the kills of its own tasks (measured: a child's OOM kill
// leaves the parent's oom_kill at 0), so usage "including everything below" sums the subtree.
async function sumV1OomKills(dir: string): Promise<number> {
  let kills = flatKeyed(await readCgroupFileIfExists(dir, "memory.oom_control"))("oom_kill");
  for (const child of await childCgroups(dir)) kills += await sumV1OomKills(join(dir, child));
  return kills;
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
 * blkio.throttle.io_service_bytes_recursive: "MAJ:MIN Read N" (also Write, Sync, Async, Discard, Total) per device,
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
