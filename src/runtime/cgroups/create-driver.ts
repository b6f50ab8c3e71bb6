import { access } from "node:fs/promises";
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
}

/** Builds the driver for a mode found by probeCgroupMode; v1 hierarchies must each be mounted. */
export async function createCgroupDriver(mode: CgroupMode, opts: CgroupDriverOptions): Promise<CgroupDriver> {
  if (mode === "v2") return new V2Driver({ mount: opts.fsRoot, root: opts.root });
  const hierarchies = {} as Record<V1Controller, string>;
  for (const controller of V1_CONTROLLERS) {
    const mount = join(opts.fsRoot, controller);
    await access(mount).catch(() => {
      throw unsupported(`cgroup v1 controller "${controller}" is not mounted at ${mount}`);
    });
    hierarchies[controller] = mount;
  }
  return new V1Driver({ hierarchies, root: opts.root, unified: mode === "hybrid" ? join(opts.fsRoot, "unified") : undefined });
}
