// cgroup v2, one unified hierarchy. Controllers reach a cgroup only when its parent lists them in
// cgroup.subtree_control, and only leaves may hold processes: cells never hold processes themselves, their
// executables run in leaf cgroups below them, so enabling controllers on every cell is always allowed.
import { dirname, join } from "node:path";
import { unsupported } from "../../errors.js";
import type { CgroupDriver, CgroupLimits } from "./driver.js";
import { makeCgroupDir, readCgroupFile, readProcsRecursive, removeCgroupDir, writeCgroupFile } from "./files.js";

const WANTED_CONTROLLERS = ["cpu", "memory", "pids"] as const;

export interface V2DriverOptions {
  /** Mount point of the unified hierarchy, e.g. /sys/fs/cgroup. */
  readonly mount: string;
  /** Our subtree below the mount, e.g. "aurae" (or a delegated path such as "system.slice/auraed.service/aurae"). */
  readonly root: string;
}

export class V2Driver implements CgroupDriver {
  readonly mode = "v2" as const;
  readonly #root: string;
  #controllers: readonly string[] = [];

  constructor(opts: V2DriverOptions) {
    this.#root = join(opts.mount, opts.root);
  }

  async init(): Promise<void> {
    await makeCgroupDir(this.#root);
    // Our root gets the controllers its parent enables for it; ask the parent for each one missing, one at a time
    // (the kernel refuses a whole write if one controller in it is unavailable). Where the parent will not, those
    // limits are refused as unsupported, never faked.
    for (const controller of WANTED_CONTROLLERS)
      if (!(await this.#available()).includes(controller))
        await writeCgroupFile(dirname(this.#root), "cgroup.subtree_control", `+${controller}`).catch(() => undefined);
    const available = await this.#available();
    this.#controllers = WANTED_CONTROLLERS.filter((c) => available.includes(c));
    await this.#enableControllers(this.#root);
  }

  async create(path: string, limits: CgroupLimits): Promise<void> {
    const dir = join(this.#root, path);
    await makeCgroupDir(dir);
    await this.#apply(dir, limits);
    await this.#enableControllers(dir);
  }

  async createLeaf(path: string): Promise<void> {
    // A v2 cgroup that enables controllers for children may not hold processes (EBUSY on cgroup.procs).
    await makeCgroupDir(join(this.#root, path));
  }

  async remove(path: string): Promise<void> {
    await removeCgroupDir(join(this.#root, path));
  }

  dirs(path: string): string[] {
    return [join(this.#root, path)];
  }

  oomEventsFile(path: string): string {
    return join(this.#root, path, "memory.events");
  }

  pids(path: string): Promise<number[]> {
    return readProcsRecursive(join(this.#root, path));
  }

  async kill(path: string): Promise<void> {
    await writeCgroupFile(join(this.#root, path), "cgroup.kill", "1");
  }

  async #available(): Promise<string[]> {
    return (await readCgroupFile(this.#root, "cgroup.controllers")).split(/\s+/);
  }

  async #enableControllers(dir: string): Promise<void> {
    if (this.#controllers.length === 0) return;
    await writeCgroupFile(dir, "cgroup.subtree_control", this.#controllers.map((c) => `+${c}`).join(" "));
  }

  async #apply(dir: string, limits: CgroupLimits): Promise<void> {
    const { cpu, memory, pids } = limits;
    if (cpu?.quotaUs !== undefined || cpu?.periodUs !== undefined)
      await this.#write(dir, "cpu", "cpu.max", `${cpu.quotaUs ?? "max"} ${cpu.periodUs ?? 100_000}`);
    if (memory?.maxBytes !== undefined) await this.#write(dir, "memory", "memory.max", String(memory.maxBytes));
    if (pids?.max !== undefined) await this.#write(dir, "pids", "pids.max", String(pids.max));
  }

  async #write(dir: string, controller: string, file: string, value: string): Promise<void> {
    if (!this.#controllers.includes(controller))
      throw unsupported(`${file}: the ${controller} controller is not delegated to ${this.#root}`);
    await writeCgroupFile(dir, file, value);
  }
}
