// cgroup v1, one hierarchy per controller. On a hybrid host the unified (v2) hierarchy is joined too, for process
// tracking, cgroup.kill and cgroup.freeze, although it carries no resource controller there; on a pure v1 host the
// freezer hierarchy is joined instead.
import { join } from "node:path";
import { unsupported } from "../../errors.js";
import type { CgroupDriver, CgroupFeatures, CgroupLimits, CgroupMode, CgroupStats, RetiredUsage, UnsupportedLimit } from "./driver.js";
import { SHIMS_CGROUP } from "./driver.js";
import {
  cgroupFileExists,
  killCgroupTree,
  listCgroupPaths,
  makeCgroupDir,
  readCgroupFileIfExists,
  readProcsRecursive,
  removeCgroupDir,
  requireCgroup,
  settleAll,
  writeCgroupFile,
} from "./files.js";
import {
  DEFAULT_FREEZE_TIMEOUT_MS,
  freezeCgroup,
  isCgroupFrozen,
  thawCgroup,
  UNIFIED_FREEZER,
  V1_FREEZER,
  type Freezer,
} from "./freeze.js";
import { missingLimitFile, probeOfferedFiles, refuseUnsupported, setFields, writeLimitFiles } from "./limit-files.js";
import { readV1RetiredUsage, readV1Stats } from "./stats.js";
import { setNewCpuset, updateCpuset } from "./v1-cpuset.js";
import { dropCpuQuota, V1_LIMIT_FILES, v1Refusal, writeV1Memory, type V1Controller } from "./v1-limits.js";

export { V1_CONTROLLERS, type V1Controller } from "./v1-limits.js";

export interface V1DriverOptions {
  /** Mount directory of each controller's hierarchy, e.g. { memory: "/sys/fs/cgroup/memory" }; co-mounted ones share one. */
  readonly hierarchies: Readonly<Record<V1Controller, string>>;
  /** The unified hierarchy of a hybrid host, or undefined on pure v1. */
  readonly unified?: string;
  /** The freezer hierarchy, joined on pure v1 only (a hybrid host freezes through `unified`). */
  readonly freezer?: string;
  /** Name of our subtree at the top of every hierarchy, e.g. "aurae". */
  readonly root: string;
  /** Where the kernel lists block devices (/sys/block): v1 weights I/O only on devices using bfq. */
  readonly blockDir: string;
  readonly freezeTimeoutMs?: number;
}

export class V1Driver implements CgroupDriver {
  readonly mode: CgroupMode;
  readonly #roots: string[];
  #hasCgroupKill = false;
  /** The limit files the kernel offers under our root, probed at init. */
  #offered: ReadonlySet<string> = new Set();
  readonly #freezer: { readonly kind: Freezer; readonly mount: string } | undefined;
  readonly #dirOf = (controller: V1Controller, path: string): string =>
    join(this.opts.hierarchies[controller], this.opts.root, path);

  constructor(private readonly opts: V1DriverOptions) {
    this.mode = opts.unified ? "hybrid" : "v1";
    this.#freezer = opts.unified
      ? { kind: UNIFIED_FREEZER, mount: opts.unified }
      : opts.freezer
        ? { kind: V1_FREEZER, mount: opts.freezer }
        : undefined;
    // Co-mounted controllers (cpu,cpuacct) share a directory: join it once.
    const mounts = new Set(Object.values(opts.hierarchies));
    if (this.#freezer) mounts.add(this.#freezer.mount);
    this.#roots = [...mounts].map((mount) => join(mount, opts.root));
  }

  async init(): Promise<void> {
    for (const root of this.#roots) makeCgroupDir(root);
    // Our root is a new cpuset cgroup too (see v1-cpuset.ts); one left by an earlier run keeps its sets.
    const cpusetRoot = this.#dirOf("cpuset", "");
    if (readCgroupFileIfExists(cpusetRoot, "cpuset.cpus") === "") setNewCpuset(cpusetRoot, undefined, { fresh: false });
    // Every cgroup made below inherits the flag and gets its parent's cpus and mems from the kernel at mkdir.
    writeCgroupFile(cpusetRoot, "cgroup.clone_children", "1");
    await this.createLeaf(SHIMS_CGROUP);
    this.#offered = probeOfferedFiles(V1_LIMIT_FILES, this.#dirOf);
    // A hybrid host's unified hierarchy kills a tree at once on 5.14+; older kernels and pure v1 signal each process.
    this.#hasCgroupKill = this.opts.unified !== undefined && cgroupFileExists(join(this.opts.unified, this.opts.root), "cgroup.kill");
  }

  features(): CgroupFeatures {
    return { controllers: Object.keys(this.opts.hierarchies), cgroupKill: this.#hasCgroupKill };
  }

  async check(limits: CgroupLimits): Promise<UnsupportedLimit[]> {
    const found: UnsupportedLimit[] = [];
    const host = { dirOf: this.#dirOf, offered: this.#offered, rootName: this.opts.root };
    for (const field of setFields(limits)) {
      const reason = (await v1Refusal(field, limits, this.opts.blockDir)) ?? missingLimitFile(V1_LIMIT_FILES, field, host);
      if (reason) found.push({ field, reason });
    }
    return found;
  }

  async create(path: string, limits: CgroupLimits): Promise<void> {
    refuseUnsupported(await this.check(limits));
    const fresh = this.#makeDirs(path);
    setNewCpuset(this.#dirOf("cpuset", path), limits.cpuset, { fresh });
    writeV1Memory(this.#dirOf, path, limits, { reset: false, offered: this.#offered });
    writeLimitFiles(V1_LIMIT_FILES, limits, this.#dirOf, path, { reset: false, offered: this.#offered, fresh });
  }

  async update(path: string, limits: CgroupLimits): Promise<void> {
    refuseUnsupported(await this.check(limits));
    updateCpuset(this.#dirOf("cpuset", path), limits.cpuset);
    dropCpuQuota(this.#dirOf("cpu", path));
    writeV1Memory(this.#dirOf, path, limits, { reset: true, offered: this.#offered });
    writeLimitFiles(V1_LIMIT_FILES, limits, this.#dirOf, path, { reset: true, offered: this.#offered });
  }

  async createLeaf(path: string): Promise<void> {
    const fresh = this.#makeDirs(path);
    setNewCpuset(this.#dirOf("cpuset", path), undefined, { fresh });
  }

  /**
   * The counters are read first: the cgroup holds no process, so nothing adds to them before the rmdir. Hierarchies
   * are independent: a busy one retries on its own while the others go.
   */
  async remove(path: string): Promise<RetiredUsage> {
    const retired = readV1RetiredUsage((controller) => this.#dirOf(controller, path));
    await settleAll(this.dirs(path).map((dir) => removeCgroupDir(dir)));
    return retired;
  }

  dirs(path: string): string[] {
    return this.#roots.map((root) => join(root, path));
  }

  oomEventsFile(path: string): string {
    return join(this.#dirOf("memory", path), "memory.oom_control");
  }

  async list(notBelow?: ReadonlySet<string>): Promise<string[]> {
    return listCgroupPaths(this.dirs(""), notBelow);
  }

  async pids(path: string): Promise<number[]> {
    return readProcsRecursive(this.opts.unified ? join(this.opts.unified, this.opts.root, path) : this.#dirOf("pids", path));
  }

  kill(path: string): Promise<void> {
    const unified = this.opts.unified && this.#hasCgroupKill ? join(this.opts.unified, this.opts.root, path) : undefined;
    // A task in a frozen v1 freezer cgroup stays frozen with SIGKILL pending: thaw after signalling so it dies.
    const thaw = this.#freezer?.kind === V1_FREEZER ? () => this.thaw(path) : undefined;
    return killCgroupTree({ killFileDir: unified, listPids: () => this.pids(path), what: `cgroup ${path}`, afterSignals: thaw });
  }

  async freeze(path: string): Promise<void> {
    await freezeCgroup(...this.#freezerAt(path), this.opts.freezeTimeoutMs ?? DEFAULT_FREEZE_TIMEOUT_MS);
  }

  async thaw(path: string): Promise<void> {
    await thawCgroup(...this.#freezerAt(path), this.opts.freezeTimeoutMs ?? DEFAULT_FREEZE_TIMEOUT_MS);
  }

  async isFrozen(path: string): Promise<boolean> {
    return isCgroupFrozen(...this.#freezerAt(path));
  }

  async stats(path: string): Promise<CgroupStats> {
    const dir = (controller: V1Controller) => this.#dirOf(controller, path);
    requireCgroup(dir("memory"));
    return readV1Stats(dir);
  }

  /** Makes `path` in every hierarchy; answers whether it was new in all of them. */
  #makeDirs(path: string): boolean {
    return this.dirs(path).map((dir) => makeCgroupDir(dir)).every(Boolean);
  }

  #freezerAt(path: string): [Freezer, string] {
    if (!this.#freezer) throw unsupported("cgroup v1 without a freezer hierarchy or a unified one cannot freeze");
    return [this.#freezer.kind, join(this.#freezer.mount, this.opts.root, path)];
  }
}
