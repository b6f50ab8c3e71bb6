// Finds a running shim by the state directory it was given: after a daemon crash in the middle of a start, the
// shim may be running without having recorded anything yet.
import { readdir, readFile } from "node:fs/promises";

export async function isShimRunning(stateDir: string): Promise<boolean> {
  const wanted = `\0--state-dir\0${stateDir}\0`;
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "latin1").catch(() => "");
    if (cmdline.includes("aurae-shim\0") && cmdline.includes(wanted)) return true;
  }
  return false;
}
