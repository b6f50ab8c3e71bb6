import { statfs } from "node:fs/promises";
import { join } from "node:path";
import { osError } from "../../errors.js";
import type { CgroupMode } from "./driver.js";

export const CGROUP2_SUPER_MAGIC = 0x63677270; // statfs f_type of a cgroup2 mount

/** Tells how cgroups are mounted under `fsRoot` (normally /sys/fs/cgroup). */
export async function probeCgroupMode(fsRoot: string): Promise<CgroupMode> {
  const root = await statfs(fsRoot).catch((err: unknown) => {
    throw osError("statfs", fsRoot, err);
  });
  if (root.type === CGROUP2_SUPER_MAGIC) return "v2";
  const unified = await statfs(join(fsRoot, "unified")).catch(() => undefined);
  return unified?.type === CGROUP2_SUPER_MAGIC ? "hybrid" : "v1";
}
