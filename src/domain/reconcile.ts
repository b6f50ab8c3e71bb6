// What auraed does before it serves: make the kernel match the node database again. Cells first (cgroups, limits,
// reapers), then executables (adopt the running, record exits seen while down, finish interrupted starts, restart
// what is lost per its policy), then remove cgroups that no desired state claims, so nothing runs unaccounted.
import type { Logger } from "pino";
import { SHIMS_CGROUP, type CgroupDriver } from "../runtime/cgroups/driver.js";
import type { Cells } from "./cells/cells.js";
import type { NewEvent } from "./events/event.js";
import type { Executables } from "./executables/executables.js";

export interface ReconcileDeps {
  readonly cells: Cells;
  readonly executables: Executables;
  readonly cgroups: CgroupDriver;
  readonly events: { record(event: NewEvent): unknown };
  readonly log: Logger;
  /** Leave unclaimed cgroups (and what runs in them) alone: for recovering a lost database by hand. */
  readonly keepLeftovers: boolean;
  /**
   * The node database was made by this start, so it knows nothing of what runs: what it finds under the cgroup root
   * is someone's (a database moved aside, a mistyped --state-dir), never garbage. Left alone too.
   */
  readonly newDatabase: boolean;
}

export async function reconcileNode(deps: ReconcileDeps): Promise<void> {
  for (const err of await deps.cells.reconcile()) deps.log.error({ err }, "reconciling a cell failed");
  await deps.executables.recover();
  // The shims' cgroup is ours for as long as auraed runs: its shims are the workloads' monitors. What a workload
  // made below its leaf is its own (not listed, so not removed), and not reading it halves the walk.
  const workloads = new Set([SHIMS_CGROUP, ...deps.executables.claimedCgroups()]);
  const claimed = new Set([...workloads, ...deps.cells.claimedCgroups()]);
  const leftovers = (await deps.cgroups.list(workloads)).filter((path) => !claimed.has(path));
  if (leftovers.length > 0 && (deps.keepLeftovers || deps.newDatabase)) {
    const why = deps.keepLeftovers ? "--keep-leftovers" : "the node database is new (--remove-leftovers removes them)";
    deps.log.warn({ cgroups: leftovers.slice(0, 20), count: leftovers.length }, `left cgroups no desired state claims alone: ${why}`);
    return;
  }
  for (const path of leftovers) {
    try {
      await deps.cgroups.kill(path);
      await deps.cgroups.remove(path);
      deps.events.record({ kind: "node.leftover_removed", attributes: { cgroup: path } });
      deps.log.warn({ cgroup: path }, "removed a cgroup no desired state claims");
    } catch (err) {
      deps.log.error({ err, cgroup: path }, "removing a leftover cgroup failed");
    }
  }
}
