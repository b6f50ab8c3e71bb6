import { realpath } from "node:fs/promises";
import { join } from "node:path";
import { unsupported } from "../../errors.js";
import type { CgroupDriver, CgroupMode } from "./driver.js";
import { V1_CONTROLLERS, V1Driver, type V1Controller } from "./v1-driver.js";
import { V2Driver } from "./v2-driver.js";

export interface CgroupDriverOptions {
  /** Where cgroup hierarchies are mounted, normally /sys/fs/cgroup. */
  readonly fsRoot: string;
  /** Our subtree's name at the top of each hierarchy. */
  readonly root: string;
  /** Where the kernel lists block devices; /sys/block unless a test says otherwise. */
  readonly blockDir?: string;
  /** How long freeze and thaw wait for the kernel to report the change; 10 s by default. */
  readonly freezeTimeoutMs?: number;
}

/** Builds the driver for a mode found by probeCgroupMode; v1 hierarchies must each be mounted. */
export async function createCgroupDriver(mode: CgroupMode, opts: CgroupDriverOptions): Promise<CgroupDriver> {
  const { fsRoot, root, freezeTimeoutMs } = opts;
  if (mode === "v2") return new V2Driver({ mount: fsRoot, root, freezeTimeoutMs });
  const hierarchies = {} as Record<V1Controller, string>;
  for (const controller of V1_CONTROLLERS) hierarchies[controller] = await mountOf(fsRoot, controller);
  return new V1Driver({
    hierarchies,
    root,
    blockDir: opts.blockDir ?? "/sys/block",
    freezeTimeoutMs,
    // A hybrid host freezes through its unified hierarchy; a pure v1 host needs the freezer controller.
    ...(mode === "hybrid" ? { unified: join(fsRoot, "unified") } : { freezer: await mountOf(fsRoot, "freezer") }),
  });
}

/**
 * The directory a v1 controller is mounted at. Hosts that co-mount controllers link each name to the shared mount
 * (cpu -> cpu,cpuacct): resolving the link lets the driver join that directory once.
 */
async function mountOf(fsRoot: string, controller: string): Promise<string> {
  const mount = join(fsRoot, controller);
  return realpath(mount).catch(() => {
    throw unsupported(`cgroup v1 controller "${controller}" is not mounted at ${mount}`);
  });
}
