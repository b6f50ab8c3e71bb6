// What both drivers share about limits: the CgroupLimits fields by name, and a table type mapping fields to the
// kernel files that enforce them. Each driver has one such table; check(), create() and update() all read it, so a
// limit's file is named once per mode.
import { AuraeError, errnoCode } from "../../errors.js";
import type { CgroupLimits, IoDeviceLimit, UnsupportedLimit } from "./driver.js";
import { cgroupFileExists, readCgroupFileIfExists, writeCgroupFile, writeCgroupRules } from "./files.js";

/** Every CgroupLimits field, as the dotted path check() reports. */
export const LIMIT_FIELDS = [
  "cpu.quotaUs",
  "cpu.periodUs",
  "cpu.weight",
  "cpuset.cpus",
  "cpuset.mems",
  "memory.maxBytes",
  "memory.highBytes",
  "memory.lowBytes",
  "memory.minBytes",
  "memory.swapMaxBytes",
  "pids.max",
  "io.weight",
  "io.devices",
] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];

// A field added to CgroupLimits but not to LIMIT_FIELDS would escape check(): make that a compile error.
type FieldsOf<T> = { [G in keyof T & string]-?: `${G}.${keyof NonNullable<T[G]> & string}` }[keyof T & string];
const everyFieldListed: Exclude<FieldsOf<CgroupLimits>, LimitField> extends never ? true : false = true;
void everyFieldListed;

/** The fields `limits` sets; an empty device list sets nothing. Other keys on the object are ignored. */
export function setFields(limits: CgroupLimits): LimitField[] {
  return LIMIT_FIELDS.filter((field) => {
    const [group, key] = field.split(".") as [keyof CgroupLimits, string];
    const value = (limits[group] as Record<string, unknown> | undefined)?.[key];
    return Array.isArray(value) ? value.length > 0 : value !== undefined;
  });
}

/** cpu quota and period, which every mode writes as a pair. */
export const CPU_BANDWIDTH: readonly LimitField[] = ["cpu.quotaUs", "cpu.periodUs"];
export const hasBandwidth = (l: CgroupLimits): boolean => l.cpu?.quotaUs !== undefined || l.cpu?.periodUs !== undefined;
export const DEFAULT_CPU_PERIOD_US = 100_000; // the kernel's, in both modes

/** One kernel file of a driver's table. */
export interface LimitFile<Controller extends string> {
  readonly controller: Controller;
  readonly file: string;
  /** The fields this file enforces: check() wants the file to exist for each one set. */
  readonly fields: readonly LimitField[];
  /** A one-value file: the value for `limits`, undefined when its fields are absent (then update writes `reset`). */
  readonly value?: (limits: CgroupLimits) => string | undefined;
  /** The kernel's default for a one-value file. */
  readonly reset?: string;
  /** A file of per-device rules: every rule to write for `limits`, given the file's current text (rules to drop too). */
  readonly rules?: (limits: CgroupLimits, current: string) => string[];
  // Entries with neither are written by a driver step of their own, where the kernel imposes an order.
}

/** Where a driver keeps a controller's files for a path; undefined when the controller is not available to us. */
export type ControllerDir<Controller extends string> = (controller: Controller, path: string) => string | undefined;

/**
 * The files of `table` the kernel offers us: those our root has (path ""), where the kernel shows the files every
 * cgroup below it gets, of controllers available to us. Probed once, at init: which files a kernel offers (swap
 * accounting, iocost, a controller's version) does not change while it runs.
 */
export function probeOfferedFiles<C extends string>(table: readonly LimitFile<C>[], dirOf: ControllerDir<C>): ReadonlySet<string> {
  const offered = new Set<string>();
  for (const entry of table) {
    const root = dirOf(entry.controller, "");
    if (root !== undefined && cgroupFileExists(root, entry.file)) offered.add(entry.file);
  }
  return offered;
}

/**
 * Why `field` cannot be enforced through `table`, or undefined: each of its files needs its controller, and must be
 * among the files the kernel offers (probeOfferedFiles).
 */
export function missingLimitFile<C extends string>(
  table: readonly LimitFile<C>[],
  field: LimitField,
  host: { readonly dirOf: ControllerDir<C>; readonly offered: ReadonlySet<string>; readonly rootName: string },
): string | undefined {
  for (const entry of table.filter((e) => e.fields.includes(field))) {
    const dir = host.dirOf(entry.controller, "");
    if (dir === undefined)
      return `${entry.file} needs the ${entry.controller} controller, which is not delegated to ${host.rootName}`;
    if (!host.offered.has(entry.file)) return `${entry.file} does not exist in ${dir}`;
  }
  return undefined;
}

/** Throws a precondition error naming the first limit check() found unenforceable (the API names one field). */
export function refuseUnsupported(unsupported: readonly UnsupportedLimit[]): void {
  const [first] = unsupported;
  if (first) throw new AuraeError("precondition", `${first.field}: ${first.reason}`, first.field);
}

/**
 * Writes the table's one-value and rule files for `limits` in table order. With `reset` (update), a one-value file
 * whose fields are absent gets the kernel's default, where the kernel offers the file: an absent file holds no limit.
 * A rule file is read for the rules to drop only where there can be some: on update, or on a cgroup that already
 * existed (`fresh` false: a reconcile after a restart); a cgroup just made has none.
 */
export function writeLimitFiles<C extends string>(
  table: readonly LimitFile<C>[],
  limits: CgroupLimits,
  dirOf: ControllerDir<C>,
  path: string,
  opts: { readonly reset: boolean; readonly offered: ReadonlySet<string>; readonly fresh?: boolean },
): void {
  for (const entry of table) {
    const dir = dirOf(entry.controller, path);
    if (dir === undefined) continue; // check() has refused any field of an unavailable controller
    if (entry.rules) {
      const wanted = entry.rules(limits, "");
      if (wanted.length === 0 && (opts.fresh || !opts.offered.has(entry.file))) continue;
      const rules = opts.fresh ? wanted : entry.rules(limits, readCgroupFileIfExists(dir, entry.file));
      if (rules.length > 0) writeLimit(entry.fields[0]!, () => writeCgroupRules(dir, entry.file, rules));
    } else if (entry.value) {
      const value = entry.value(limits);
      if (value !== undefined) writeLimit(entry.fields[0]!, () => writeCgroupFile(dir, entry.file, value));
      else if (opts.reset && entry.reset !== undefined && opts.offered.has(entry.file))
        writeCgroupFile(dir, entry.file, entry.reset);
    }
  }
}

/**
 * Runs a write of a requested limit, turning the kernel's refusal of the value into an error on the field:
 * EINVAL/ERANGE mean the value is wrong for this host (a cpu it lacks, a weight out of range), EBUSY that the cgroup's
 * current state forbids it (usage above a new memory limit, a child's cpuset outside a new one).
 */
export function writeLimit(field: LimitField, write: () => void): void {
  try {
    write();
  } catch (err) {
    const code = errnoCode((err as Error).cause);
    const kind = code === "EINVAL" || code === "ERANGE" ? "invalid" : code === "EBUSY" ? "precondition" : undefined;
    if (!kind) throw err;
    throw new AuraeError(kind, `${field}: ${(err as Error).message}`, field, { cause: err });
  }
}

/**
 * Rules for a per-device file: one for each device in `devices` that `rule` gives one for, then `removal` for each
 * device the file lists now but `limits` no longer limits there.
 */
export function deviceRules(
  devices: readonly IoDeviceLimit[],
  current: string,
  rule: (device: IoDeviceLimit) => string | undefined,
  removal: (key: string) => string,
): string[] {
  const rules = devices.flatMap((d) => {
    const text = rule(d);
    return text === undefined ? [] : [{ key: deviceKey(d), text }];
  });
  const kept = new Set(rules.map((r) => r.key));
  return [...rules.map((r) => r.text), ...devicesInRules(current).filter((key) => !kept.has(key)).map(removal)];
}

/** A number as the kernel reads it, or undefined for an absent field. */
export const str = (n: number | undefined): string | undefined => (n === undefined ? undefined : String(n));

/** "MAJ:MIN", how cgroup files name a block device. */
const deviceKey = (d: Pick<IoDeviceLimit, "major" | "minor">): string => `${d.major}:${d.minor}`;

/** The devices ("MAJ:MIN") a rule file lists: the first word of each line. */
function devicesInRules(text: string): string[] {
  return text.split("\n").map((line) => line.trim().split(/\s+/)[0]!).filter((key) => /^\d+:\d+$/.test(key));
}
