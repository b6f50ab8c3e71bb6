// Starts workloads through the native shim (native/) and reads its one-line report. The shim detaches and outlives
// the daemon; after the report the daemon learns everything else from the files in the workload's state directory.
// Shims are forked by the launcher (launcher.ts) when the client has one, else spawned by Node (direct-spawn.ts).
import { invalid } from "../../errors.js";
import { spawnShimDirectly } from "./direct-spawn.js";
import { Launcher, NotLaunched, type LauncherLog } from "./launcher.js";
import type { Spawned } from "./spawned.js";

export { SpawnError, type Spawned } from "./spawned.js";

/** The shim's names of the namespaces it makes or joins. */
export type Namespace = "pid" | "net" | "mnt" | "uts" | "ipc" | "cgroup";

export interface SpawnRequest {
  /** Directory the shim owns (it makes it): pid, status.json and shim.log go here. */
  readonly stateDir: string;
  /** The workload's log: a directory of size-rotated segments (src/runtime/logs/segments.ts); made if missing. */
  readonly logDir: string;
  /** A segment's size past which the next record starts a new one (the shim's default: 10 MiB; at least 4096). */
  readonly logMaxBytes?: number;
  /** Segments kept, the current one included (the shim's default: 5). */
  readonly logMaxFiles?: number;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** cgroup directories the workload joins before exec. */
  readonly cgroupDirs: readonly string[];
  readonly oomEventsFile?: string;
  /** Credentials the workload runs with; without them it runs as the daemon does (root). */
  readonly user?: { readonly uid: number; readonly gid: number; readonly groups: readonly number[] };
  readonly umask?: number;
  /** setrlimit before the credentials drop; an undefined soft or hard limit is unlimited. */
  readonly rlimits?: readonly { readonly resource: string; readonly soft?: bigint; readonly hard?: bigint }[];
  /** What fd 0 is: /dev/null (the default) or nothing. */
  readonly stdin?: "null" | "closed";
  /**
   * Join the namespaces of this process (a cell's reaper); those in `isolated` must not be the shim's own, or the
   * start is refused (ESRCH): a host process that took a dead reaper's pid would run the workload un-isolated.
   */
  readonly joinNamespacesOf?: { readonly pid: number; readonly isolated: readonly Namespace[] };
  /** Namespaces to make: any of them for a cell's init; for an executable only cgroup. */
  readonly unshare?: readonly Namespace[];
  /** Run the built-in reaper instead of argv (argv is then ignored and must be empty). */
  readonly cellInit?: { readonly hostname?: string };
}

/** How long a caller waits for the shim's report by default before giving up on a spawn (aborting it). */
export const DEFAULT_SPAWN_TIMEOUT_MS = 30_000;

export interface ShimClientOptions {
  /**
   * The cgroup directories (one per hierarchy) every shim is in, out of auraed's own cgroup, so that a service
   * manager stopping auraed does not kill the shims (packaging/auraed.service): the launcher moves itself there and
   * its shims are born there; a shim spawned directly moves itself there first.
   */
  readonly shimCgroupDirs?: readonly string[];
  /** Fork shims from a launcher process that logs to `log`; without it every shim is spawned by Node. */
  readonly launcher?: { readonly log: LauncherLog };
}

export class ShimClient {
  readonly #launcher: Launcher | undefined;

  constructor(
    private readonly shimPath: string,
    private readonly opts: ShimClientOptions = {},
  ) {
    const { launcher } = opts;
    this.#launcher = launcher && new Launcher({ shimPath, shimCgroupDirs: opts.shimCgroupDirs ?? [], log: launcher.log });
  }

  /** Starts the launcher now, so that the first spawn does not wait for it. */
  start(): void {
    this.#launcher?.start();
  }

  /**
   * Resolves once the workload runs; rejects with SpawnError when the shim reports why it could not exec. An abort of
   * `signal` (the caller's deadline) SIGKILLs the shim and rejects; what it forked is the caller's to kill (its cgroup).
   */
  async spawn(req: SpawnRequest, signal?: AbortSignal): Promise<Spawned> {
    // The shim makes its state directory and opens its shim.log as stderr itself: every file operation here would
    // be a round trip through the thread pool, on the path of every start.
    const args = shimArgs(req);
    const env = envBlock(req.env);
    if (this.#launcher) {
      try {
        return await this.#launcher.launch(args, env, signal);
      } catch (err) {
        if (!(err instanceof NotLaunched)) throw err;
      }
    }
    const moveFirst = (this.opts.shimCgroupDirs ?? []).flatMap((dir) => ["--shim-cgroup", dir]);
    return spawnShimDirectly(this.shimPath, [...moveFirst, ...args], env, signal);
  }

  /** Ends the launcher; running shims are not touched. */
  async close(): Promise<void> {
    await this.#launcher?.close();
  }
}

/** The shim's command line for a request (native/src/args.c reads it). */
export function shimArgs(req: SpawnRequest): string[] {
  const args = ["--state-dir", req.stateDir, ...logArgs(req), "--cwd", req.cwd];
  for (const dir of req.cgroupDirs) args.push("--cgroup", dir);
  if (req.oomEventsFile) args.push("--oom-events", req.oomEventsFile);
  if (Object.keys(req.env).length > 0) args.push("--env-fd", String(ENV_FD));
  args.push(...credentialArgs(req), ...limitArgs(req), ...namespaceArgs(req));
  if (req.stdin) args.push("--stdin", req.stdin);
  if (!req.cellInit) return [...args, "--", ...req.argv];
  if (req.argv.length > 0) throw invalid("argv", `must be empty for a cell's init, got ${JSON.stringify(req.argv)}`);
  const { hostname } = req.cellInit;
  return hostname === undefined ? [...args, "--cell-init"] : [...args, "--cell-init", "--hostname", hostname];
}

const LOG_MIN_BYTES = 4096; // native/src/segments.c refuses less
const ENV_FD = 3;

/** The environment as the shim reads it from --env-fd: NAME=VALUE entries, each followed by a NUL. */
export function envBlock(env: Readonly<Record<string, string>>): Buffer | undefined {
  const entries = Object.entries(env);
  if (entries.length === 0) return undefined;
  return Buffer.from(entries.map(([key, value]) => `${key}=${value}\0`).join(""));
}

function logArgs({ logDir, logMaxBytes, logMaxFiles }: SpawnRequest): string[] {
  const args = ["--log-dir", logDir];
  if (logMaxBytes !== undefined) args.push("--log-max-bytes", String(atLeast("logMaxBytes", logMaxBytes, LOG_MIN_BYTES)));
  if (logMaxFiles !== undefined) args.push("--log-max-files", String(atLeast("logMaxFiles", logMaxFiles, 1)));
  return args;
}

function atLeast(field: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw invalid(field, `must be a whole number of at least ${min}, got ${value}`);
  return value;
}

function credentialArgs({ user }: SpawnRequest): string[] {
  if (!user) return [];
  return ["--user", String(user.uid), "--group", String(user.gid), "--groups", user.groups.join(",")];
}

function limitArgs({ umask, rlimits = [] }: SpawnRequest): string[] {
  const args = umask === undefined ? [] : ["--umask", umask.toString(8).padStart(3, "0")];
  for (const { resource, soft, hard } of rlimits) args.push("--rlimit", `${resource}=${limitText(soft)}:${limitText(hard)}`);
  return args;
}

const limitText = (limit: bigint | undefined): string => (limit === undefined ? "unlimited" : String(limit));

function namespaceArgs({ joinNamespacesOf, unshare = [] }: SpawnRequest): string[] {
  const args = joinNamespacesOf === undefined ? [] : ["--join-ns", `${joinNamespacesOf.pid}:${joinNamespacesOf.isolated.join(",")}`];
  if (unshare.length > 0) args.push("--unshare", unshare.join(","));
  return args;
}
