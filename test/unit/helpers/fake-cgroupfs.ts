// Temp directories shaped like cgroupfs, as far as the drivers read them. mkdir in a plain directory creates no
// kernel files, so a test makes the ones a driver reads (cgroup.controllers, cgroup.procs) before the driver runs.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Makes `dir` (and its parents) a cgroup whose cgroup.controllers lists `controllers`, with nothing enabled below. */
export async function makeFakeCgroup(dir: string, controllers: readonly string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "cgroup.controllers"), `${controllers.join(" ")}\n`);
  await writeFile(join(dir, "cgroup.subtree_control"), "");
  return dir;
}

/** Makes `dir` (and its parents) a cgroup holding `pids`, one per line as the kernel lists them. */
export async function writeFakeProcs(dir: string, pids: readonly number[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "cgroup.procs"), pids.map((pid) => `${pid}\n`).join(""));
}

/** What a driver wrote to `<dir>/<file>`. */
export const readCgroupValue = (dir: string, file: string): Promise<string> => readFile(join(dir, file), "utf8");
