// The processes of executables' leaf cgroups, as `systemctl status` shows a unit's cgroup: pid, parent and command
// line of each, bounded so a fork bomb cannot make the answer (or the reading of /proc) unbounded.
import type { CgroupDriver } from "../../runtime/cgroups/driver.js";
import { readProcess, type ProcessInfo } from "../../runtime/proc/read-process.js";
import { leafCgroup } from "./layout.js";

/** Most processes one answer lists; the rest are only counted. */
export const MAX_PROCESSES = 1000;

export interface ExecutableProcess extends ProcessInfo {
  readonly cell: string;
  readonly executable: string;
}

export interface ProcessList {
  /** In (cell, executable, pid) order. */
  readonly processes: ExecutableProcess[];
  /** Processes past MAX_PROCESSES, left out. */
  readonly omitted: number;
}

/** The processes in the leaf cgroups of `executables`; one that exits while being read is left out. */
export async function listProcesses(
  executables: readonly { readonly cell: string; readonly name: string }[],
  deps: { readonly cgroups: Pick<CgroupDriver, "pids">; readonly procRoot?: string },
): Promise<ProcessList> {
  const sorted = [...executables].sort((a, b) => a.cell.localeCompare(b.cell) || a.name.localeCompare(b.name));
  const processes: ExecutableProcess[] = [];
  let omitted = 0;
  for (const { cell, name } of sorted) {
    const pids = (await deps.cgroups.pids(leafCgroup(cell, name))).sort((a, b) => a - b);
    for (const pid of pids) {
      if (processes.length >= MAX_PROCESSES) {
        omitted++;
        continue;
      }
      const info = await readProcess(pid, deps.procRoot);
      if (info) processes.push({ ...info, cell, executable: name });
    }
  }
  return { processes, omitted };
}
