// The one interface every cgroup mode (v1, v2, hybrid) implements. Paths are relative to the driver's root
// ("web/api"); the driver alone knows where hierarchies are mounted and which files a limit lives in.

export type CgroupMode = "v1" | "v2" | "hybrid";

/**
 * Where the shims live, below the driver's root in every hierarchy: out of auraed's own cgroup, so that a service
 * manager stopping auraed does not take them along. A leaf (v2: processes only in leaves), made by init(); no cell
 * can have this name (cell names have no '.'), and the reconcile never removes it.
 */
export const SHIMS_CGROUP = "aurae.shims";

/** Throttling of one block device, by its kernel numbers; an absent rate is unlimited. */
export interface IoDeviceLimit {
  readonly major: number;
  readonly minor: number;
  readonly readBps?: number;
  readonly writeBps?: number;
  readonly readIops?: number;
  readonly writeIops?: number;
}

/** Limits in kernel terms and units. An absent field means "no limit" (the kernel's default). */
export interface CgroupLimits {
  readonly cpu?: { readonly quotaUs?: number; readonly periodUs?: number; readonly weight?: number };
  readonly cpuset?: { readonly cpus?: string; readonly mems?: string };
  readonly memory?: {
    readonly maxBytes?: number;
    readonly highBytes?: number;
    readonly lowBytes?: number;
    readonly minBytes?: number;
    readonly swapMaxBytes?: number;
  };
  readonly pids?: { readonly max?: number };
  readonly io?: { readonly weight?: number; readonly devices?: readonly IoDeviceLimit[] };
}

/**
 * A limit the host cannot enforce: `field` is the CgroupLimits path ("memory.highBytes", "io.weight", "io.devices"),
 * `reason` one plain sentence naming the kernel file or controller that is missing.
 */
export interface UnsupportedLimit {
  readonly field: string;
  readonly reason: string;
}

/** Usage counters of a cgroup and everything below it; a counter the host does not keep reads 0. */
export interface CgroupStats {
  readonly cpuUsageUs: number;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** Throttling by the cgroup's own cpu quota, as the kernel counts it for that cgroup. */
  readonly cpuThrottledPeriods: number;
  readonly cpuThrottledUs: number;
  readonly memoryCurrentBytes: number;
  /** 0 where the kernel keeps no peak. */
  readonly memoryPeakBytes: number;
  readonly oomKills: number;
  readonly pidsCurrent: number;
  readonly ioReadBytes: number;
  readonly ioWriteBytes: number;
}

/**
 * The cumulative counters of a removed cgroup that its ancestors stop counting: all zero where the kernel keeps a dead
 * child's counts in its parent (v2, and cpuacct and the memory peak on v1).
 */
export type RetiredUsage = Pick<CgroupStats, "oomKills" | "ioReadBytes" | "ioWriteBytes">;

export const NOTHING_RETIRED: RetiredUsage = Object.freeze({ oomKills: 0, ioReadBytes: 0, ioWriteBytes: 0 });

export interface CgroupDriver {
  readonly mode: CgroupMode;
  /** Creates the driver's root in every hierarchy it uses, and the shims' leaf (SHIMS_CGROUP); run once at start-up. */
  init(): Promise<void>;
  /** What init() found the kernel offers, for the daemon's start-up log. */
  features(): CgroupFeatures;
  /** Every limit in `limits` the host cannot enforce (empty: all fine); create and update refuse the first. */
  check(limits: CgroupLimits): Promise<UnsupportedLimit[]>;
  /**
   * Creates the cell cgroup `path` in every hierarchy (its parent must exist) and applies `limits`; absent fields
   * keep the kernel's defaults. v1: cpuset.cpus/mems are set (from the limits or copied from the parent) before
   * anything can join. A limit check() refuses fails with a precondition error naming it, before anything is made.
   */
  create(path: string, limits: CgroupLimits): Promise<void>;
  /**
   * Replaces the limits of an existing cell: every field is written, absent ones back to their default (unlimited,
   * weight 100, the parent's cpuset, io rules removed), in an order that keeps the kernel's invariants.
   */
  update(path: string, limits: CgroupLimits): Promise<void>;
  /**
   * Creates a leaf cgroup for processes: no limits of its own, no controllers enabled below it (v2), the v1 cpuset
   * copied from the parent.
   */
  createLeaf(path: string): Promise<void>;
  /**
   * Removes `path` in every hierarchy; it must hold no process and no child. Absent is fine. Answers what its
   * ancestors' stats lose with it, read just before the rmdir, for the caller to keep.
   */
  remove(path: string): Promise<RetiredUsage>;
  /** Every directory a process joins (through its cgroup.procs) to be in `path`. */
  dirs(path: string): string[];
  /** The file whose `oom_kill N` line counts OOM kills of processes in `path`, if the host has one. */
  oomEventsFile(path: string): string | undefined;
  /**
   * Every cgroup below the driver's root in any hierarchy, relative to it ("web", "web/x.exe"), deepest first. What
   * lies below a path in `notBelow` is neither read nor listed (the path itself is): the cgroups a workload made in
   * its own leaf are its own.
   */
  list(notBelow?: ReadonlySet<string>): Promise<string[]>;
  /** Pids of every process in `path` and below. */
  pids(path: string): Promise<number[]>;
  /** SIGKILLs every process in `path` and below; a cgroup that does not exist holds none. */
  kill(path: string): Promise<void>;
  /**
   * Freezes every process in `path` and below; resolves once the kernel reports it frozen (a bounded wait, then an
   * `unavailable` error naming the file).
   */
  freeze(path: string): Promise<void>;
  /** Thaws `path` and below; resolves once the kernel reports it thawed. */
  thaw(path: string): Promise<void>;
  isFrozen(path: string): Promise<boolean>;
  /** Usage of `path` including everything below it that still exists (see RetiredUsage for what is gone). */
  stats(path: string): Promise<CgroupStats>;
}

/** Kernel features a driver probed at init and uses when present. */
export interface CgroupFeatures {
  /** Controllers available under our root (v2), or the v1 hierarchies mounted. */
  readonly controllers: readonly string[];
  /** Whether cgroup.kill (5.14+) kills a tree at once; without it each process is signalled until none is left. */
  readonly cgroupKill: boolean;
}
