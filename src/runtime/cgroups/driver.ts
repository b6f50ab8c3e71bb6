// The one interface every cgroup mode (v1, v2, hybrid) implements. Paths are relative to the driver's root
// ("web/api"); the driver alone knows where hierarchies are mounted and which files a limit lives in.

export type CgroupMode = "v1" | "v2" | "hybrid";

/** Limits in kernel terms and units. An absent field means "no limit". */
export interface CgroupLimits {
  readonly cpu?: { readonly quotaUs?: number; readonly periodUs?: number };
  readonly memory?: { readonly maxBytes?: number };
  readonly pids?: { readonly max?: number };
}

export interface CgroupDriver {
  readonly mode: CgroupMode;
  /** Creates the driver's root in every hierarchy it uses; run once at start-up. */
  init(): Promise<void>;
  /** Creates the cell cgroup `path` in every hierarchy (its parent must exist) and applies `limits`. */
  create(path: string, limits: CgroupLimits): Promise<void>;
  /** Creates a leaf cgroup for processes: nothing below it, no limits of its own (cgroup v2: no controllers enabled). */
  createLeaf(path: string): Promise<void>;
  /** Removes `path` in every hierarchy; it must hold no process and no child. Absent is fine. */
  remove(path: string): Promise<void>;
  /** Every directory a process joins (through its cgroup.procs) to be in `path`. */
  dirs(path: string): string[];
  /** The file whose `oom_kill N` line counts OOM kills of processes in `path`, if the host has one. */
  oomEventsFile(path: string): string | undefined;
  /** Pids of every process in `path` and below. */
  pids(path: string): Promise<number[]>;
  /** SIGKILLs every process in `path` and below. */
  kill(path: string): Promise<void>;
}
