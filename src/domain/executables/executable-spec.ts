import { isAbsolute } from "node:path";
import { invalid } from "../../errors.js";
import { validateCellName, validateExecutableName } from "../names.js";

export type StdinMode = "null" | "closed";
export type RestartMode = "no" | "on-failure" | "always";

export interface Rlimit {
  readonly resource: string;
  /** Absent: unlimited. */
  readonly soft?: number;
  readonly hard?: number;
}

export interface RestartPolicy {
  readonly mode: RestartMode;
  /** 0: no limit. */
  readonly maxRestarts: number;
  readonly maxDelayMs: number;
}

/** What a caller asks to run. argv is executed as is: no shell unless `shell` says so. */
export interface ExecutableSpec {
  readonly cell: string;
  readonly name: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly shell: boolean;
  /** Name or numeric id; absent: root. */
  readonly user?: string;
  readonly group?: string;
  readonly supplementaryGroups?: readonly string[];
  readonly umask: number;
  readonly rlimits: readonly Rlimit[];
  readonly stdin: StdinMode;
  readonly restart: RestartPolicy;
}

export type ExecutableState = "starting" | "running" | "stopping" | "exited" | "backoff";

/** How a process ended: exactly one of code and signal is set. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: number | null;
  readonly oomKilled: boolean;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** The node lost the process without seeing it end (a reboot, a killed shim): how it ended is unknown. */
  readonly lost?: boolean;
}

export interface Executable {
  readonly spec: ExecutableSpec;
  readonly state: ExecutableState;
  readonly pid: number;
  readonly startedAt: Date;
  readonly exitedAt?: Date;
  readonly exit?: ExitStatus;
  readonly restartCount: number;
  readonly nextRestartAt?: Date;
}

export const DEFAULT_UMASK = 0o022;
export const DEFAULT_MAX_RESTART_DELAY_MS = 300_000;
export const RLIMIT_RESOURCES = [
  "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio",
  "rttime", "sigpending", "stack",
] as const;

// The kernel's limit on argv plus envp is about a quarter of the stack rlimit (2 MiB with the usual 8 MiB stack);
// staying well below it means an exec never fails with E2BIG for a spec we accepted.
const MAX_ARGS_AND_ENV_BYTES = 1 << 20;
const MAX_ARGS = 4096;
const MAX_ENV = 4096;
const MAX_GROUPS = 64;
const ID = /^([a-z_][a-z0-9_.-]{0,31}\$?|\d{1,10})$/i; // a user or group name (as useradd allows) or a numeric id

export function validateExecutableSpec(spec: ExecutableSpec): ExecutableSpec {
  validateCellName(spec.cell, "spec.cell_name");
  validateExecutableName(spec.name, "spec.name");
  validateArgv(spec);
  validateEnv(spec);
  if (!isAbsolute(spec.cwd)) throw invalid("spec.cwd", `must be an absolute path, got "${spec.cwd}"`);
  checkNoNul(spec.cwd, "spec.cwd");
  if (spec.user !== undefined) checkId(spec.user, "spec.user");
  if (spec.group !== undefined) checkId(spec.group, "spec.group");
  if ((spec.supplementaryGroups?.length ?? 0) > MAX_GROUPS) throw invalid("spec.supplementary_groups", `at most ${MAX_GROUPS}`);
  spec.supplementaryGroups?.forEach((g, i) => checkId(g, `spec.supplementary_groups[${i}]`));
  if (!Number.isInteger(spec.umask) || spec.umask < 0 || spec.umask > 0o777)
    throw invalid("spec.umask", `must be 0 to 0777, got ${spec.umask.toString(8)}`);
  spec.rlimits.forEach((r, i) => validateRlimit(r, `spec.rlimits[${i}]`));
  validateRestart(spec.restart);
  return spec;
}

function validateArgv(spec: ExecutableSpec): void {
  if (spec.argv.length === 0 || spec.argv[0] === "") throw invalid("spec.argv", "needs the program as argv[0]");
  if (spec.shell && spec.argv.length !== 1) throw invalid("spec.argv", `with shell, holds exactly one command line, got ${spec.argv.length} strings`);
  if (spec.argv.length > MAX_ARGS) throw invalid("spec.argv", `has ${spec.argv.length} arguments, at most ${MAX_ARGS}`);
  spec.argv.forEach((arg, i) => checkNoNul(arg, `spec.argv[${i}]`));
}

function validateEnv(spec: ExecutableSpec): void {
  const env = Object.entries(spec.env);
  if (env.length > MAX_ENV) throw invalid("spec.env", `has ${env.length} variables, at most ${MAX_ENV}`);
  for (const [key, value] of env) {
    if (key === "" || key.includes("=")) throw invalid("spec.env", `variable name "${key}" must be non-empty and hold no "="`);
    checkNoNul(key, "spec.env");
    checkNoNul(value, `spec.env["${key}"]`);
  }
  const bytes = [...spec.argv, ...env.map(([k, v]) => `${k}=${v}`)].reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
  if (bytes > MAX_ARGS_AND_ENV_BYTES) throw invalid("spec.argv", `argv and env take ${bytes} bytes, at most ${MAX_ARGS_AND_ENV_BYTES}`);
}

function validateRlimit(r: Rlimit, field: string): void {
  if (!(RLIMIT_RESOURCES as readonly string[]).includes(r.resource))
    throw invalid(`${field}.resource`, `"${r.resource}" is not one of ${RLIMIT_RESOURCES.join(", ")}`);
  for (const key of ["soft", "hard"] as const)
    if (r[key] !== undefined && (!Number.isSafeInteger(r[key]) || r[key] < 0)) throw invalid(`${field}.${key}`, `must be a non-negative integer, got ${r[key]}`);
  if (r.soft !== undefined && (r.hard === undefined ? false : r.soft > r.hard))
    throw invalid(`${field}.soft`, `${r.soft} is above the hard limit ${r.hard}`);
  if (r.soft === undefined && r.hard !== undefined) throw invalid(`${field}.soft`, "an unlimited soft limit needs an unlimited hard limit");
}

function validateRestart(restart: RestartPolicy): void {
  if (!Number.isInteger(restart.maxRestarts) || restart.maxRestarts < 0) throw invalid("spec.restart.max_restarts", `must be 0 or more, got ${restart.maxRestarts}`);
  if (!Number.isInteger(restart.maxDelayMs) || restart.maxDelayMs < 100 || restart.maxDelayMs > 3_600_000)
    throw invalid("spec.restart.max_delay_ms", `must be 100 to 3600000, got ${restart.maxDelayMs}`);
}

function checkId(value: string, field: string): void {
  if (!ID.test(value)) throw invalid(field, `"${value}" is neither a user/group name nor a numeric id`);
}

function checkNoNul(value: string, field: string): void {
  if (value.includes("\0")) throw invalid(field, "must not contain a NUL byte");
}
