// cgroup v2, one unified hierarchy. Controllers reach a cgroup only when its parent lists them in
// cgroup.subtree_control, and only leaves may hold processes: cells never hold processes themselves, their
// executables run in leaf cgroups below them, so enabling controllers on every cell is always allowed.
import { dirname, join } from "node:path";
import {
  NOTHING_RETIRED,
  SHIMS_CGROUP,
  type CgroupDriver,
  type CgroupFeatures,
  type CgroupLimits,
  type CgroupStats,
  type RetiredUsage,
  type UnsupportedLimit,
} from "./driver.js";
import { DEFAULT_FREEZE_TIMEOUT_MS, freezeCgroup, isCgroupFrozen, thawCgroup, UNIFIED_FREEZER } from "./freeze.js";
import {
  cgroupFileExists,
  killCgroupTree,
  listCgroupPaths,
  makeCgroupDir,
  readCgroupFile,
  readProcsRecursive,
  removeCgroupDir,
  requireCgroup,
  writeCgroupFile,
} from "./files.js";
import {
  CPU_BANDWIDTH,
  DEFAULT_CPU_PERIOD_US,
  deviceRules,
  hasBandwidth,
  missingLimitFile,
  probeOfferedFiles,
  refuseUnsupported,
  setFields,
  str,
  writeLimitFiles,
  type LimitField,
  type LimitFile,
} from "./limit-files.js";
import { readV2Stats } from "./stats.js";

const WANTED_CONTROLLERS = ["cpu", "cpuset", "io", "memory", "pids"] as const;
type V2Controller = (typeof WANTED_CONTROLLERS)[number];

const NO_IO_LIMIT = "rbps=max wbps=max riops=max wiops=max";

/** A memory file holding one byte count of CgroupLimits.memory. */
function memoryFile(
  file: string,
  field: LimitField,
  bytes: (memory: CgroupLimits["memory"]) => number | undefined,
  reset: string,
): LimitFile<V2Controller> {
  return { controller: "memory", file, fields: [field], value: (l) => str(bytes(l.memory)), reset };
}

/** Every v2 file a limit lives in, in the order create and update write them; `reset` is the kernel's default. */
const V2_LIMIT_FILES: readonly LimitFile<V2Controller>[] = [
  {
    controller: "cpu",
    file: "cpu.max",
    fields: CPU_BANDWIDTH,
    value: (l) => (hasBandwidth(l) ? `${l.cpu?.quotaUs ?? "max"} ${l.cpu?.periodUs ?? DEFAULT_CPU_PERIOD_US}` : undefined),
    reset: `max ${DEFAULT_CPU_PERIOD_US}`,
  },
  { controller: "cpu", file: "cpu.weight", fields: ["cpu.weight"], value: (l) => str(l.cpu?.weight), reset: "100" },
  // An empty set means "the nearest ancestor's"; a lone newline reaches the kernel as one (an empty write would not).
  { controller: "cpuset", file: "cpuset.cpus", fields: ["cpuset.cpus"], value: (l) => l.cpuset?.cpus, reset: "\n" },
  { controller: "cpuset", file: "cpuset.mems", fields: ["cpuset.mems"], value: (l) => l.cpuset?.mems, reset: "\n" },
  memoryFile("memory.max", "memory.maxBytes", (m) => m?.maxBytes, "max"),
  memoryFile("memory.high", "memory.highBytes", (m) => m?.highBytes, "max"),
  memoryFile("memory.low", "memory.lowBytes", (m) => m?.lowBytes, "0"),
  memoryFile("memory.min", "memory.minBytes", (m) => m?.minBytes, "0"),
  memoryFile("memory.swap.max", "memory.swapMaxBytes", (m) => m?.swapMaxBytes, "max"),
  { controller: "pids", file: "pids.max", fields: ["pids.max"], value: (l) => str(l.pids?.max), reset: "max" },
  {
    controller: "io",
    file: "io.weight",
    fields: ["io.weight"],
    value: (l) => str(l.io?.weight) && `default ${l.io?.weight}`,
    reset: "default 100",
  },
  {
    controller: "io",
    file: "io.max",
    fields: ["io.devices"],
    // One rule per device with every key; "max" everywhere drops the device's rule.
    rules: (l, current) =>
      deviceRules(
        l.io?.devices ?? [],
        current,
        (d) =>
          `${d.major}:${d.minor} rbps=${d.readBps ?? "max"} wbps=${d.writeBps ?? "max"} ` +
          `riops=${d.readIops ?? "max"} wiops=${d.writeIops ?? "max"}`,
        (key) => `${key} ${NO_IO_LIMIT}`,
      ),
  },
];

export interface V2DriverOptions {
  /** Mount point of the unified hierarchy, e.g. /sys/fs/cgroup. */
  readonly mount: string;
  /** Our subtree below the mount, e.g. "aurae" (or a delegated path such as "system.slice/auraed.service/aurae"). */
  readonly root: string;
  readonly freezeTimeoutMs?: number;
}

export class V2Driver implements CgroupDriver {
  readonly mode = "v2" as const;
  readonly #root: string;
  readonly #freezeTimeoutMs: number;
  #controllers: readonly V2Controller[] = [];
  /** cgroup.kill came in 5.14; before it, kill() signals each process (v2 lets SIGKILL through a frozen cgroup). */
  #hasCgroupKill = false;
  /** The limit files the kernel offers under our root, probed at init. */
  #offered: ReadonlySet<string> = new Set();
  readonly #dirOf = (controller: V2Controller, path: string): string | undefined =>
    this.#controllers.includes(controller) ? join(this.#root, path) : undefined;

  constructor(opts: V2DriverOptions) {
    this.#root = join(opts.mount, opts.root);
    this.#freezeTimeoutMs = opts.freezeTimeoutMs ?? DEFAULT_FREEZE_TIMEOUT_MS;
  }

  async init(): Promise<void> {
    makeCgroupDir(this.#root);
    // Our root gets the controllers its parent enables for it; ask the parent for each one missing, one at a time
    // (the kernel refuses a whole write if one controller in it is unavailable). Where the parent will not, those
    // limits are refused by check(), never faked.
    for (const controller of WANTED_CONTROLLERS)
      if (!this.#available().includes(controller))
        try {
          writeCgroupFile(dirname(this.#root), "cgroup.subtree_control", `+${controller}`);
        } catch {
          // refused: check() refuses the limits of that controller
        }
    const available = this.#available();
    this.#controllers = WANTED_CONTROLLERS.filter((c) => available.includes(c));
    this.#enableControllers(this.#root);
    await this.createLeaf(SHIMS_CGROUP);
    this.#offered = probeOfferedFiles(V2_LIMIT_FILES, this.#dirOf);
    this.#hasCgroupKill = cgroupFileExists(this.#root, "cgroup.kill"); // every non-root cgroup has it on 5.14+
  }

  features(): CgroupFeatures {
    return { controllers: [...this.#controllers], cgroupKill: this.#hasCgroupKill };
  }

  async check(limits: CgroupLimits): Promise<UnsupportedLimit[]> {
    return this.#unsupported(limits);
  }

  async create(path: string, limits: CgroupLimits): Promise<void> {
    refuseUnsupported(this.#unsupported(limits));
    const fresh = makeCgroupDir(join(this.#root, path));
    writeLimitFiles(V2_LIMIT_FILES, limits, this.#dirOf, path, { reset: false, offered: this.#offered, fresh });
    this.#enableControllers(join(this.#root, path));
  }

  async update(path: string, limits: CgroupLimits): Promise<void> {
    refuseUnsupported(this.#unsupported(limits));
    writeLimitFiles(V2_LIMIT_FILES, limits, this.#dirOf, path, { reset: true, offered: this.#offered });
  }

  async createLeaf(path: string): Promise<void> {
    // A v2 cgroup that enables controllers for children may not hold processes (EBUSY on cgroup.procs).
    makeCgroupDir(join(this.#root, path));
  }

  /** A v2 parent keeps what a removed child counted (memory.events, io.stat, cpu.stat): nothing to retire. */
  async remove(path: string): Promise<RetiredUsage> {
    await removeCgroupDir(join(this.#root, path));
    return NOTHING_RETIRED;
  }

  dirs(path: string): string[] {
    return [join(this.#root, path)];
  }

  oomEventsFile(path: string): string {
    return join(this.#root, path, "memory.events");
  }

  async list(notBelow?: ReadonlySet<string>): Promise<string[]> {
    return listCgroupPaths(this.dirs(""), notBelow);
  }

  async pids(path: string): Promise<number[]> {
    return readProcsRecursive(join(this.#root, path));
  }

  kill(path: string): Promise<void> {
    const dir = join(this.#root, path);
    return killCgroupTree({ killFileDir: this.#hasCgroupKill ? dir : undefined, listPids: () => this.pids(path), what: `cgroup ${path}` });
  }

  freeze(path: string): Promise<void> {
    return freezeCgroup(UNIFIED_FREEZER, join(this.#root, path), this.#freezeTimeoutMs);
  }

  thaw(path: string): Promise<void> {
    return thawCgroup(UNIFIED_FREEZER, join(this.#root, path), this.#freezeTimeoutMs);
  }

  isFrozen(path: string): Promise<boolean> {
    return isCgroupFrozen(UNIFIED_FREEZER, join(this.#root, path));
  }

  async stats(path: string): Promise<CgroupStats> {
    const dir = join(this.#root, path);
    requireCgroup(dir);
    return readV2Stats(dir);
  }

  #unsupported(limits: CgroupLimits): UnsupportedLimit[] {
    const host = { dirOf: this.#dirOf, offered: this.#offered, rootName: this.#root };
    return setFields(limits).flatMap((field) => {
      const reason = missingLimitFile(V2_LIMIT_FILES, field, host);
      return reason ? [{ field, reason }] : [];
    });
  }

  #available(): string[] {
    return readCgroupFile(this.#root, "cgroup.controllers").split(/\s+/);
  }

  #enableControllers(dir: string): void {
    if (this.#controllers.length === 0) return;
    writeCgroupFile(dir, "cgroup.subtree_control", this.#controllers.map((c) => `+${c}`).join(" "));
  }
}
