// cgroup v1, one hierarchy per controller; on a hybrid host the unified (v2) hierarchy is joined too, for process
// tracking and cgroup.kill, although it carries no resource controller there.
import { join } from "node:path";
import { internal } from "../../errors.js";
import type { CgroupDriver, CgroupLimits, CgroupMode } from "./driver.js";
import { killUntilEmpty, makeCgroupDir, readProcsRecursive, removeCgroupDir, writeCgroupFile } from "./files.js";

/** The v1 controllers a cell uses; each must be mounted as its own hierarchy (or co-mounted, see `hierarchies`). */
export const V1_CONTROLLERS = ["cpu", "cpuacct", "memory", "pids"] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

export interface V1DriverOptions {
  /** Mount directory of each controller's hierarchy, e.g. { memory: "/sys/fs/cgroup/memory" }. */
  readonly hierarchies: Readonly<Record<V1Controller, string>>;
  /** The unified hierarchy of a hybrid host, or undefined on pure v1. */
  readonly unified?: string;
  /** Name of our subtree at the top of every hierarchy, e.g. "aurae". */
  readonly root: string;
}

export class V1Driver implements CgroupDriver {
  readonly mode: CgroupMode;
  readonly #roots: string[];

  constructor(private readonly opts: V1DriverOptions) {
    this.mode = opts.unified ? "hybrid" : "v1";
    // Co-mounted controllers (cpu,cpuacct) share a directory: join it once.
    const mounts = new Set(Object.values(opts.hierarchies));
    if (opts.unified) mounts.add(opts.unified);
    this.#roots = [...mounts].map((mount) => join(mount, opts.root));
  }

  async init(): Promise<void> {
    for (const root of this.#roots) await makeCgroupDir(root);
  }

  async create(path: string, limits: CgroupLimits): Promise<void> {
    for (const dir of this.dirs(path)) await makeCgroupDir(dir);
    await this.#apply(path, limits);
  }

  async createLeaf(path: string): Promise<void> {
    for (const dir of this.dirs(path)) await makeCgroupDir(dir);
  }

  async remove(path: string): Promise<void> {
    for (const dir of this.dirs(path)) await removeCgroupDir(dir);
  }

  dirs(path: string): string[] {
    return this.#roots.map((root) => join(root, path));
  }

  oomEventsFile(path: string): string {
    return join(this.#dir("memory", path), "memory.oom_control");
  }

  pids(path: string): Promise<number[]> {
    return readProcsRecursive(this.opts.unified ? join(this.opts.unified, this.opts.root, path) : this.#dir("pids", path));
  }

  async kill(path: string): Promise<void> {
    if (this.opts.unified) {
      const dir = join(this.opts.unified, this.opts.root, path);
      const killed = await writeCgroupFile(dir, "cgroup.kill", "1").then(
        () => true,
        () => false, // kernels before 5.14 have no cgroup.kill
      );
      if (killed) return;
    }
    await killUntilEmpty(() => this.pids(path), `cgroup ${path}`).catch((err: unknown) => {
      throw internal(`kill cgroup ${path}: ${(err as Error).message}`, { cause: err });
    });
  }

  async #apply(path: string, limits: CgroupLimits): Promise<void> {
    const { cpu, memory, pids } = limits;
    if (cpu?.quotaUs !== undefined || cpu?.periodUs !== undefined) {
      const dir = this.#dir("cpu", path);
      await writeCgroupFile(dir, "cpu.cfs_period_us", String(cpu.periodUs ?? 100_000));
      await writeCgroupFile(dir, "cpu.cfs_quota_us", String(cpu.quotaUs ?? -1));
    }
    if (memory?.maxBytes !== undefined)
      await writeCgroupFile(this.#dir("memory", path), "memory.limit_in_bytes", String(memory.maxBytes));
    if (pids?.max !== undefined) await writeCgroupFile(this.#dir("pids", path), "pids.max", String(pids.max));
  }

  #dir(controller: V1Controller, path: string): string {
    return join(this.opts.hierarchies[controller], this.opts.root, path);
  }
}
