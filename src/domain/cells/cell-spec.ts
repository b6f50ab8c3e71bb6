import { invalid, quote } from "../../errors.js";
import type { CgroupLimits } from "../../runtime/cgroups/driver.js";
import type { Namespace } from "../../runtime/shim/shim-client.js";
import { validateLabels, type Labels } from "../labels/labels.js";
import { parentCell, validateCellName } from "../names.js";

export interface IoDeviceSpec {
  /** "/dev/vda" or "MAJOR:MINOR". */
  readonly device: string;
  readonly readBps?: number;
  readonly writeBps?: number;
  readonly readIops?: number;
  readonly writeIops?: number;
}

export interface Isolation {
  readonly pid: boolean;
  readonly network: boolean;
  readonly mount: boolean;
  readonly uts: boolean;
  readonly ipc: boolean;
  readonly cgroup: boolean;
}

/**
 * What a caller asks of a cell, in kernel units (the cgroup driver's limits, except that an io device is named as
 * the caller named it). Absent limits are unlimited.
 */
export interface CellSpec extends Omit<CgroupLimits, "io"> {
  readonly name: string;
  readonly io?: { readonly weight?: number; readonly devices?: readonly IoDeviceSpec[] };
  readonly isolation?: Isolation;
  /** Its workloads get an identity and a socket of their own (see workload-identity.ts). */
  readonly workloadIdentity?: boolean;
  /** Kubernetes-style labels that List selects by; absent: none. */
  readonly labels?: Labels;
}

export interface Cell {
  readonly spec: CellSpec;
  readonly createdAt: Date;
  readonly cgroupPaths: readonly string[];
  readonly frozen: boolean;
  /** Host pid of the reaper holding the cell's namespaces, when it is isolated. */
  readonly initPid?: number;
  /** With workloadIdentity: the cell's SPIFFE ID and socket. */
  readonly identity?: { readonly spiffeId: string; readonly socketPath: string };
}

const MIB = 1024 * 1024;
const PID_MAX_LIMIT = 4_194_304; // the kernel's ceiling for pid_max on 64-bit
const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/; // the kernel's list format: "0-2,4"
// CONFIG_NR_CPUS is at most 8192 and MAX_NUMNODES 1024: a larger id can name nothing on any kernel.
const MAX_CPUS = 8192;
const MAX_NODES = 1024;
const DEVICE_NUMBERS = /^\d+:\d+$/;
// Far more than a node has disks; each device is one more line written to io.max.
const MAX_IO_DEVICES = 64;

/** Checks every field against what the kernel accepts, naming the first field that is wrong. */
export function validateCellSpec(spec: CellSpec): CellSpec {
  validateCellName(spec.name, "spec.name");
  const { cpu, cpuset, memory, pids, io, isolation } = spec;
  if (cpu?.periodUs !== undefined) checkRange(cpu.periodUs, "spec.cpu.period_us", 1000, 1_000_000);
  // The kernel rejects quotas below 1 ms; above ~10^12 us the quota could never bind anyway.
  if (cpu?.quotaUs !== undefined) checkRange(cpu.quotaUs, "spec.cpu.quota_us", 1000, 1e12);
  if (cpu?.weight !== undefined) checkRange(cpu.weight, "spec.cpu.weight", 1, 10_000);
  if (cpuset?.cpus) checkIdList(cpuset.cpus, "spec.cpuset.cpus", "cpu", MAX_CPUS);
  if (cpuset?.mems) checkIdList(cpuset.mems, "spec.cpuset.mems", "node", MAX_NODES);
  for (const key of ["maxBytes", "highBytes", "lowBytes", "minBytes"] as const)
    if (memory?.[key] !== undefined) checkRange(memory[key], `spec.memory.${snake(key)}`, MIB, Number.MAX_SAFE_INTEGER);
  if (memory?.swapMaxBytes !== undefined) checkRange(memory.swapMaxBytes, "spec.memory.swap_max_bytes", 0, Number.MAX_SAFE_INTEGER);
  if (pids?.max !== undefined) checkRange(pids.max, "spec.pids.max", 1, PID_MAX_LIMIT);
  if (io?.weight !== undefined) checkRange(io.weight, "spec.io.weight", 1, 10_000);
  if ((io?.devices?.length ?? 0) > MAX_IO_DEVICES) throw invalid("spec.io.devices", `has ${io!.devices!.length} devices, at most ${MAX_IO_DEVICES}`);
  io?.devices?.forEach((d, i) => validateIoDevice(d, `spec.io.devices[${i}]`));
  if (isolation) validateIsolation(spec.name, isolation);
  if (spec.labels) validateLabels(spec.labels, "spec.labels");
  return spec;
}

/** A kernel id list ("0-2,4"): ids below `limit`, each range low to high. */
function checkIdList(list: string, field: string, what: string, limit: number): void {
  if (list.length > 4 * limit || !CPU_LIST.test(list)) throw invalid(field, `${quote(list)} is not a ${what} list such as 0-2,4`);
  for (const range of list.split(",")) {
    const [low, high = low] = range.split("-").map(Number) as [number, number?];
    if (high >= limit) throw invalid(field, `${what} ${high} is past the most a kernel has (${limit})`);
    if (low > high) throw invalid(field, `range ${range} runs backwards`);
  }
}

function validateIoDevice(d: IoDeviceSpec, field: string): void {
  if (!DEVICE_NUMBERS.test(d.device) && !isDevicePath(d.device))
    throw invalid(`${field}.device`, `${quote(d.device)} is neither a /dev path nor MAJOR:MINOR`);
  for (const key of ["readBps", "writeBps", "readIops", "writeIops"] as const)
    if (d[key] !== undefined) checkRange(d[key], `${field}.${IO_FIELDS[key]}`, 1, Number.MAX_SAFE_INTEGER);
}

/** A path below /dev without "." or ".." (which could lead out of it), an empty segment or a NUL. */
function isDevicePath(path: string): boolean {
  const segments = path.split("/").slice(2);
  return path.startsWith("/dev/") && path.length < 4096 && !path.includes("\0") && segments.every((s) => s !== "" && s !== "." && s !== "..");
}

const IO_FIELDS = { readBps: "read_bytes_per_second", writeBps: "write_bytes_per_second", readIops: "read_iops", writeIops: "write_iops" };

function validateIsolation(name: string, isolation: Isolation): void {
  if (parentCell(name) !== undefined && isolatedNamespaces(isolation).length > 0)
    throw invalid("spec.isolation", `nested cell "${name}" shares its top-level cell's namespaces and cannot choose its own`);
  if (isolation.pid && !isolation.mount)
    throw invalid("spec.isolation.pid", "needs isolation.mount too, so the cell gets a /proc of its own pid namespace");
}

/** The namespaces the cell's reaper creates (cgroup namespaces are made per executable, at its own cgroup). */
export function isolatedNamespaces(isolation: Isolation | undefined): Namespace[] {
  if (!isolation) return [];
  const chosen: [boolean, Namespace][] = [
    [isolation.pid, "pid"],
    [isolation.network, "net"],
    [isolation.mount, "mnt"],
    [isolation.uts, "uts"],
    [isolation.ipc, "ipc"],
  ];
  return chosen.filter(([on]) => on).map(([, ns]) => ns);
}

/** camelCase domain path to the API's snake_case field name: "memory.highBytes" -> "spec.memory.high_bytes". */
export const apiField = (path: string): string => `spec.${snake(path)}`;

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function checkRange(value: number, field: string, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw invalid(field, `must be an integer from ${min} to ${max}, got ${value}`);
}
