// What a run must not leave behind: cgroup roots named aurae-bench-* in any hierarchy, shims whose command line
// names an aurae-bench-* temp dir, and the temp dirs themselves. Checked after every cleanup ran.
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pidsWith } from "./procs.js";

const PREFIX = "aurae-bench-";
const CGROUP_FS = "/sys/fs/cgroup";

export async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  for (const hierarchy of await readdir(CGROUP_FS))
    for (const entry of await readdir(join(CGROUP_FS, hierarchy)).catch(() => []))
      if (entry.startsWith(PREFIX)) found.push(`cgroup ${join(CGROUP_FS, hierarchy, entry)}`);
  for (const pid of await pidsWith("aurae-shim", join(tmpdir(), PREFIX))) found.push(`shim pid ${pid}`);
  for (const entry of await readdir(tmpdir())) if (entry.startsWith(PREFIX)) found.push(`temp dir ${join(tmpdir(), entry)}`);
  return found;
}
