// Waits for the status files of many running shims at once. An idle workload costs nothing: its state directory has
// an inotify watch (libuv shares one inotify descriptor among all of them) and no timer of its own. A watch can miss
// (it could not be set: the kernel's max_user_watches; the event queue overflowed), so one shared sweep every
// `sweepMs` looks for a status file that arrived unannounced: one stat per waiting directory. The sweep also asks
// whether each shim still lives (one kill(pid, 0)): a shim that died without writing a status (the OOM killer, an
// operator's kill, a service manager stopping auraed's cgroup) would otherwise leave its executable running for ever.
import { existsSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { readShimStatus, readTextIfAny, statusPath, type ShimStatus } from "./shim-status.js";

/** What exited() answers when the shim is gone and wrote no status: how the workload ended is unknown. */
export const SHIM_DIED = "shim-died";

export interface StatusWatchOptions {
  /** How often the shared sweep runs while anyone waits; a missed event delays an exit by at most this. */
  readonly sweepMs?: number;
}

const DEFAULT_SWEEP_MS = 5000;

interface Waiter {
  readonly dir: string;
  watcher: FSWatcher | undefined;
  /** Something may have changed since the last read. */
  dirty: boolean;
  wake: (() => void) | undefined;
  /** The shim's pid once read and checked to be that shim (null: it recorded none, as shims before shim.pid). */
  shimPid: number | null | undefined;
  shimDied: boolean;
}

export class StatusWatch {
  readonly #waiters = new Set<Waiter>();
  readonly #sweepMs: number;
  #sweep: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: StatusWatchOptions = {}) {
    this.#sweepMs = opts.sweepMs ?? DEFAULT_SWEEP_MS;
  }

  /**
   * The status the shim writing into `stateDir` records, once it does; undefined if the watch closes first. Rejects
   * as readShimStatus does on a status file that cannot be read.
   */
  async exited(stateDir: string): Promise<ShimStatus | typeof SHIM_DIED | undefined> {
    const waiter = this.#add(stateDir); // before the first read, so a status written during it is not missed
    try {
      while (!this.#closed) {
        waiter.dirty = false;
        const status = readShimStatus(stateDir);
        if (status) return status;
        if (waiter.shimDied) return SHIM_DIED; // read after it died: no status is coming
        if (!waiter.dirty && !this.#closed) await new Promise<void>((resolve) => (waiter.wake = resolve));
        waiter.wake = undefined;
      }
      return undefined;
    } finally {
      this.#remove(waiter);
    }
  }

  /** Wakes every waiter with undefined; nothing is watched afterwards. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) waiter.wake?.();
  }

  #add(dir: string): Waiter {
    const waiter: Waiter = { dir, watcher: undefined, dirty: true, wake: undefined, shimPid: undefined, shimDied: false };
    waiter.watcher = watchDir(dir, () => mark(waiter));
    this.#waiters.add(waiter);
    // Not unref'd: while an exit is awaited the process stays up to see it (auraed stops its workloads on the way out,
    // after its server, which kept the event loop alive, has closed).
    this.#sweep ??= setInterval(() => this.#sweepAll(), this.#sweepMs);
    return waiter;
  }

  #remove(waiter: Waiter): void {
    waiter.watcher?.close();
    this.#waiters.delete(waiter);
    if (this.#waiters.size > 0) return;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  #sweepAll(): void {
    // Synchronous on purpose: a stat of a cached entry takes microseconds, a thread-pool round trip ~70 (1,000 waiters:
    // ~3 ms against ~70).
    for (const waiter of this.#waiters) {
      if (waiter.dirty) continue;
      if (existsSync(statusPath(waiter.dir))) mark(waiter);
      else if (isShimGone(waiter)) {
        waiter.shimDied = true;
        mark(waiter);
      }
    }
  }
}

function isShimGone(waiter: Waiter): boolean {
  if (waiter.shimPid === undefined) {
    const pid = Number(readTextIfAny(join(waiter.dir, "shim.pid"))?.trim());
    if (!Number.isInteger(pid) || pid <= 0) {
      waiter.shimPid = null;
      return false;
    }
    // Checked once: a pid taken over by another process since is not our shim.
    if (!readTextIfAny(`/proc/${pid}/cmdline`)?.includes(`\0--state-dir\0${waiter.dir}\0`)) return true;
    waiter.shimPid = pid;
  }
  if (waiter.shimPid === null) return false;
  try {
    process.kill(waiter.shimPid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** An inotify watch of `dir`, or undefined where there can be none (no directory yet, no watch left): the sweep looks. */
function watchDir(dir: string, onChange: () => void): FSWatcher | undefined {
  try {
    const watcher = watch(dir, { persistent: false }, onChange);
    watcher.on("error", onChange);
    return watcher;
  } catch {
    return undefined;
  }
}

function mark(waiter: Waiter): void {
  waiter.dirty = true;
  waiter.wake?.();
}
