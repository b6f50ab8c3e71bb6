// Baseline cgroups made straight from Node, beside a daemon's cells (under its cgroup root, whose removal at cleanup
// takes any leftover along).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Per hierarchy (by its directory name under /sys/fs/cgroup), limit files and their values, in write order. */
export type LimitFiles = Readonly<Record<string, readonly (readonly [string, string])[]>>;

/** The directory named `name` beside each of `cellDirs` (a cell's cgroup in every hierarchy). */
export const besideCell = (cellDirs: readonly string[], name: string): string[] => cellDirs.map((dir) => join(dirname(dir), name));

/**
 * mkdir in each hierarchy, one after the other as the daemon's driver does, then its limit files. A new v1 cpuset
 * cgroup needs its parent's cpus and mems, without which the kernel refuses tasks: as the driver does, they are copied
 * where the kernel left them empty (below auraed's root it gives them at mkdir: cgroup.clone_children).
 */
export async function makeCgroups(dirs: readonly string[], limits: LimitFiles = {}): Promise<void> {
  for (const dir of dirs) {
    await mkdir(dir);
    const hierarchy = basename(dirname(dirname(dir)));
    if (hierarchy === "cpuset")
      for (const file of ["cpuset.cpus", "cpuset.mems"])
        if ((await readFile(join(dir, file), "utf8")).trim() === "") await writeFile(join(dir, file), await readFile(join(dirname(dir), file)));
    for (const [file, value] of limits[hierarchy] ?? []) await writeFile(join(dir, file), value);
  }
}
