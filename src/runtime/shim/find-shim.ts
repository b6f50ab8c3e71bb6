// Finds a running shim by the state directory it was given: after a daemon crash in the middle of a start, the
// shim may be running without having recorded anything yet. Synchronous: procfs never waits for a disk, and a scan
// reads one small file per process, which through fs.promises would be a thread-pool round trip each.
import { readdirSync } from "node:fs";
import { readTextIfAny } from "./shim-status.js";

export function isShimRunning(stateDir: string): boolean {
  const wanted = `\0--state-dir\0${stateDir}\0`;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = readTextIfAny(`/proc/${pid}/cmdline`) ?? "";
    if (cmdline.includes("aurae-shim\0") && cmdline.includes(wanted)) return true;
  }
  return false;
}
