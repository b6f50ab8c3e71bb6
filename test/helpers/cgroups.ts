// What a test run's cgroup root holds, and removing it: every hierarchy, bottom-up, killing what is inside first.
// Only our own root (a unique name) is ever touched.
import { readdir, readFile, rmdir } from "node:fs/promises";
import { join } from "node:path";

const FS_ROOT = "/sys/fs/cgroup";

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
