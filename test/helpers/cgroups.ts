// What a test run's cgroup root holds, and removing it: every hierarchy, bottom-up, killing what is inside first.
// Only our own root (a unique name) is ever touched.
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { readdir, readFile, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { CGROUP2_SUPER_MAGIC } from "../../src/runtime/cgroups/probe.js";

const FS_ROOT = "/sys/fs/cgroup";

/** How this host mounts cgroups: "v2" when /sys/fs/cgroup itself is cgroup2, else v1 controllers (maybe hybrid). */
export const cgroupMode = (): "v1" | "v2" => (statfsSync(FS_ROOT).type === CGROUP2_SUPER_MAGIC ? "v2" : "v1");

/**
 * The top of the hierarchy that holds `controller` on this host (a v1 controller name, or "unified" for the cgroup2
 * hierarchy): /sys/fs/cgroup/<controller> on v1 and hybrid hosts, /sys/fs/cgroup on pure v2. Throws when the host has
 * no such hierarchy, so an assertion on a file there fails instead of passing on a path that cannot exist.
 */
export function hierarchyDir(controller: string): string {
  if (cgroupMode() === "v2") {
    const enabled = readFileSync(join(FS_ROOT, "cgroup.controllers"), "utf8").trim().split(" ");
    const v2Name = controller === "blkio" ? "io" : controller === "cpuacct" ? "cpu" : controller;
    if (controller === "unified" || enabled.includes(v2Name)) return FS_ROOT;
    throw new Error(`cgroup v2 at ${FS_ROOT} has no ${v2Name} controller (it has: ${enabled.join(" ")})`);
  }
  const dir = join(FS_ROOT, controller);
  if (existsSync(join(dir, "cgroup.procs"))) return dir;
  throw new Error(`this host mounts no cgroup hierarchy ${dir}`);
}

/** One kernel file of a cgroup, trimmed, by its name on v1 or on v2: the read fails when the file is missing. */
export async function readControllerFile(controller: string, cgroup: string, files: { readonly v1: string; readonly v2: string }): Promise<string> {
  const file = cgroupMode() === "v2" ? files.v2 : files.v1;
  return (await readFile(join(hierarchyDir(controller), cgroup, file), "utf8")).trim();
}

/** The directories of `root` in every mounted hierarchy (v1 controllers, unified, or a pure v2 mount). */
export async function cgroupRoots(root: string): Promise<string[]> {
  const entries = await readdir(FS_ROOT, { withFileTypes: true });
  const candidates = [join(FS_ROOT, root), ...entries.filter((e) => e.isDirectory()).map((e) => join(FS_ROOT, e.name, root))];
  const found: string[] = [];
  for (const dir of candidates) if (await readdir(dir).then(() => true, () => false)) found.push(dir);
  return found;
}

/** Every cgroup below `dir` (not `dir` itself), deepest first. */
export async function descendants(dir: string): Promise<string[]> {
  const children = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory());
  const out: string[] = [];
  for (const child of children) {
    const path = join(dir, child.name);
    out.push(...(await descendants(path)), path);
  }
  return out;
}

export async function procsIn(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map(Number);
}

/** Kills every process under our root and removes the root in every hierarchy. */
export async function removeCgroupRoot(root: string): Promise<void> {
  for (const top of await cgroupRoots(root)) {
    for (const dir of [...(await descendants(top)), top]) {
      for (let i = 0; i < 100; i++) {
        const pids = await procsIn(dir);
        for (const pid of pids) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        const removed = await rmdir(dir).then(() => true, (err: NodeJS.ErrnoException) => err.code === "ENOENT");
        if (removed) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
}
