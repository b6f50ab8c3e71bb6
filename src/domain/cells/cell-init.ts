// The reaper of an isolated cell: a shim-run pid 1 that creates the cell's namespaces and holds them for as long as
// the cell lives. Executables of the cell (and of its nested cells) join its namespaces; orphans they leave behind
// are reparented to it and reaped. Stopping it ends every process in its pid namespace.
import { join } from "node:path";
import { internal } from "../../errors.js";
import type { CgroupDriver } from "../../runtime/cgroups/driver.js";
import { DEFAULT_SPAWN_TIMEOUT_MS, type SpawnRequest, type Spawned } from "../../runtime/shim/shim-client.js";
import { discardDir } from "../../runtime/discard-dir.js";
import { sendSignal } from "../../runtime/signal.js";
import { readShimStatus } from "../../runtime/shim/shim-status.js";
import { DirWatcher } from "../../runtime/shim/watch-dir.js";
import { trashDir } from "../executables/layout.js";
import { isolatedNamespaces, type Isolation } from "./cell-spec.js";

export interface CellInitDeps {
  readonly cgroups: CgroupDriver;
  readonly shim: { spawn(req: SpawnRequest, signal?: AbortSignal): Promise<Spawned> };
  readonly stateRoot: string;
  /** How long a reaper's spawn may take (it runs under the tree lock); 30 s by default. */
  readonly spawnTimeoutMs?: number;
}

const STOP_TIMEOUT_MS = 10_000;

/** The init's leaf cgroup: "." never appears in names, so it cannot clash with a cell or an executable leaf. */
export const cellInitLeaf = (cell: string): string => `${cell}/cell.init`;
const cellInitDir = (stateRoot: string, cell: string): string => join(stateRoot, "cells", cell.replaceAll("/", "."), "init");

/** Starts the reaper of top-level cell `cell`; answers its host pid once it runs. */
export async function startCellInit(deps: CellInitDeps, cell: string, isolation: Isolation): Promise<number> {
  const dir = cellInitDir(deps.stateRoot, cell);
  await discardDir(dir, trashDir(deps.stateRoot));
  const leaf = cellInitLeaf(cell);
  await deps.cgroups.createLeaf(leaf);
  try {
    const spawned = await deps.shim.spawn({
      stateDir: dir,
      logDir: join(dir, "log"),
      argv: [],
      env: {},
      cwd: "/",
      cgroupDirs: deps.cgroups.dirs(leaf),
      cellInit: { hostname: cell },
      unshare: isolatedNamespaces(isolation),
    }, AbortSignal.timeout(deps.spawnTimeoutMs ?? DEFAULT_SPAWN_TIMEOUT_MS)); // under the tree lock: never for ever
    return spawned.pid;
  } catch (err) {
    await deps.cgroups.kill(leaf).catch(() => undefined);
    await deps.cgroups.remove(leaf).catch(() => undefined);
    throw internal(`start the reaper of cell "${cell}": ${(err as Error).message}`, { cause: err });
  }
}

/** True while `pid` is the reaper in the cell's init cgroup (a reused pid would not be there). */
export async function isCellInitRunning(deps: CellInitDeps, cell: string, pid: number): Promise<boolean> {
  return (await deps.cgroups.pids(cellInitLeaf(cell))).includes(pid);
}

/** Ends the reaper (and so its pid namespace) and removes what it left. */
export async function stopCellInit(deps: CellInitDeps, cell: string, pid: number | null): Promise<void> {
  const dir = cellInitDir(deps.stateRoot, cell);
  const leaf = cellInitLeaf(cell);
  if (pid !== null && (await isCellInitRunning(deps, cell, pid))) {
    sendSignal(pid, "SIGTERM");
    const watcher = new DirWatcher(dir, 100);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    try {
      while (!(await readShimStatus(dir)) && Date.now() < deadline) await watcher.changed();
    } finally {
      watcher.close();
    }
  }
  await deps.cgroups.kill(leaf);
  await deps.cgroups.remove(leaf);
  await discardDir(dir, trashDir(deps.stateRoot));
}
