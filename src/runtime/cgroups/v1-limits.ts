// Where cgroup v1 keeps each limit, what it cannot express, and the writes whose order the kernel constrains.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CgroupLimits, IoDeviceLimit } from "./driver.js";
import { readCgroupFileIfExists, writeCgroupFile } from "./files.js";
import {
  CPU_BANDWIDTH,
  DEFAULT_CPU_PERIOD_US,
  deviceRules,
  hasBandwidth,
  str,
  writeLimit,
  type ControllerDir,
  type LimitField,
  type LimitFile,
} from "./limit-files.js";

/** The v1 controllers a cell uses; each must be mounted as its own hierarchy (or co-mounted, see V1DriverOptions). */
export const V1_CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "pids", "blkio"] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/**
 * cgroup v2's cpu.weight (1-10000, default 100) as v1's cpu.shares (2-262144, default 1024). The kernel's own scale:
 * shares = weight × 1024 / 100, so the default weight gives the default shares; 2 is the least v1 accepts.
 */
export const sharesFromWeight = (weight: number): number => Math.max(2, Math.round((weight * 1024) / 100));

const THROTTLE_FILES: readonly (readonly [string, keyof Omit<IoDeviceLimit, "major" | "minor">])[] = [
  ["blkio.throttle.read_bps_device", "readBps"],
  ["blkio.throttle.write_bps_device", "writeBps"],
  ["blkio.throttle.read_iops_device", "readIops"],
  ["blkio.throttle.write_iops_device", "writeIops"],
];

const MEMSW_FILE = "memory.memsw.limit_in_bytes";

/** Every v1 file a limit lives in, in the order create and update write them. */
export const V1_LIMIT_FILES: readonly LimitFile<V1Controller>[] = [
  {
    controller: "cpu",
    file: "cpu.shares",
    fields: ["cpu.weight"],
    value: (l) => str(l.cpu?.weight === undefined ? undefined : sharesFromWeight(l.cpu.weight)),
    reset: "1024",
  },
  // The period before the quota: the quota is checked against the period in force (see dropCpuQuota for update).
  {
    controller: "cpu",
    file: "cpu.cfs_period_us",
    fields: CPU_BANDWIDTH,
    value: (l) => (hasBandwidth(l) ? String(l.cpu?.periodUs ?? DEFAULT_CPU_PERIOD_US) : undefined),
    reset: String(DEFAULT_CPU_PERIOD_US),
  },
  {
    controller: "cpu",
    file: "cpu.cfs_quota_us",
    fields: CPU_BANDWIDTH,
    value: (l) => (hasBandwidth(l) ? String(l.cpu?.quotaUs ?? -1) : undefined),
    reset: "-1",
  },
  // Written by setNewCpuset/updateCpuset (v1-cpuset.ts) and writeV1Memory, where the kernel constrains the order.
  { controller: "cpuset", file: "cpuset.cpus", fields: ["cpuset.cpus"] },
  { controller: "cpuset", file: "cpuset.mems", fields: ["cpuset.mems"] },
  { controller: "memory", file: "memory.limit_in_bytes", fields: ["memory.maxBytes"] },
  { controller: "memory", file: MEMSW_FILE, fields: ["memory.swapMaxBytes"] },
  { controller: "pids", file: "pids.max", fields: ["pids.max"], value: (l) => str(l.pids?.max), reset: "max" },
  ...THROTTLE_FILES.map(
    ([file, rate]): LimitFile<V1Controller> => ({
      controller: "blkio",
      file,
      fields: ["io.devices"],
      // "MAJ:MIN N" sets a rule; "MAJ:MIN 0" removes it.
      rules: (l, current) =>
        deviceRules(
          l.io?.devices ?? [],
          current,
          (d) => str(d[rate]) && `${d.major}:${d.minor} ${d[rate]}`,
          (key) => `${key} 0`,
        ),
    }),
  ),
  { controller: "blkio", file: "blkio.bfq.weight", fields: ["io.weight"], value: (l) => str(l.io?.weight), reset: "100" },
];

const BFQ_MAX_WEIGHT = 1000;

/** Why v1 cannot enforce `field` as `limits` sets it, beyond a missing file (see missingLimitFile); undefined if it can. */
export async function v1Refusal(field: LimitField, limits: CgroupLimits, blockDir: string): Promise<string | undefined> {
  switch (field) {
    case "memory.highBytes":
      return "cgroup v1 has no memory.high";
    case "memory.lowBytes":
      return "cgroup v1 has no memory.low";
    case "memory.minBytes":
      return "cgroup v1 has no memory.min";
    case "memory.swapMaxBytes":
      return limits.memory?.maxBytes === undefined
        ? `cgroup v1 limits swap only through ${MEMSW_FILE} (memory plus swap), which needs memory.maxBytes too`
        : undefined;
    case "io.weight":
      if (!(await hasBfqDevice(blockDir)))
        return (
          `no block device uses the bfq I/O scheduler (${blockDir}/*/queue/scheduler), ` +
          "which cgroup v1 needs for blkio.bfq.weight"
        );
      return limits.io!.weight! > BFQ_MAX_WEIGHT ? `blkio.bfq.weight takes at most ${BFQ_MAX_WEIGHT}` : undefined;
    default:
      return undefined;
  }
}

/**
 * v1 checks a quota against its parent's and its children's (a child may not get more CPU than its parent: EINVAL),
 * so changing the period and then the quota could pass through an invalid pair. Dropping the quota to -1 first
 * (unlimited, which v1 reads as the parent's) keeps every step valid, whatever the old and new pairs.
 */
export function dropCpuQuota(dir: string): void {
  const quota = readCgroupFileIfExists(dir, "cpu.cfs_quota_us");
  if (quota !== "" && quota !== "-1") writeCgroupFile(dir, "cpu.cfs_quota_us", "-1");
}

/** A write of a v1 memory limit file; -1 is unlimited. */
export interface V1MemoryWrite {
  readonly field: LimitField;
  readonly file: string;
  readonly value: string;
}

const UNLIMITED = -1n;

/**
 * The writes of memory.limit_in_bytes and memory.memsw.limit_in_bytes for `limits`, given the current limit ("" in a
 * new fake cgroup: unlimited). v1 refuses (EINVAL) any moment where the limit exceeds memsw (memory plus swap), so
 * memsw goes first when it grows to or past the current limit, else the limit goes first. Without `reset` (create),
 * absent fields keep the kernel's unlimited defaults; without `withMemsw` the host has no swap accounting.
 */
export function planV1Memory(
  limits: CgroupLimits,
  currentLimit: string,
  opts: { readonly reset: boolean; readonly withMemsw: boolean },
): V1MemoryWrite[] {
  const { maxBytes, swapMaxBytes } = limits.memory ?? {};
  if (!opts.reset && maxBytes === undefined) return []; // swap alone is refused by check()
  const limitBytes = maxBytes === undefined ? UNLIMITED : BigInt(maxBytes);
  const memswBytes =
    maxBytes !== undefined && swapMaxBytes !== undefined ? BigInt(maxBytes) + BigInt(swapMaxBytes) : UNLIMITED;
  const limit: V1MemoryWrite = { field: "memory.maxBytes", file: "memory.limit_in_bytes", value: String(limitBytes) };
  const memsw: V1MemoryWrite = { field: "memory.swapMaxBytes", file: MEMSW_FILE, value: String(memswBytes) };
  if (!opts.withMemsw || (!opts.reset && swapMaxBytes === undefined)) return [limit];
  const memswFirst = memswBytes === UNLIMITED || (currentLimit !== "" && memswBytes >= BigInt(currentLimit));
  return memswFirst ? [memsw, limit] : [limit, memsw];
}

/** Applies planV1Memory to `path`. */
export function writeV1Memory(
  dirOf: ControllerDir<V1Controller>,
  path: string,
  limits: CgroupLimits,
  opts: { readonly reset: boolean; readonly offered: ReadonlySet<string> },
): void {
  if (!opts.reset && limits.memory?.maxBytes === undefined) return; // nothing to write: no read of the current limit
  const dir = dirOf("memory", path)!;
  const withMemsw = opts.offered.has(MEMSW_FILE);
  const plan = planV1Memory(limits, readCgroupFileIfExists(dir, "memory.limit_in_bytes"), { reset: opts.reset, withMemsw });
  for (const w of plan) writeLimit(w.field, () => writeCgroupFile(dir, w.file, w.value));
}

/** Whether some block device has bfq selected ("[bfq]" in its queue/scheduler). */
async function hasBfqDevice(blockDir: string): Promise<boolean> {
  const devices = await readdir(blockDir).catch(() => []);
  for (const device of devices) {
    const scheduler = await readFile(join(blockDir, device, "queue", "scheduler"), "utf8").catch(() => "");
    if (scheduler.includes("[bfq]")) return true;
  }
  return false;
}
