import { isAbsolute } from "node:path";
import { invalid, quote } from "../../errors.js";
import { validateLabels, type Labels } from "../labels/labels.js";
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
  /** Kubernetes-style labels that List selects by; absent: none. */
  readonly labels?: Labels;
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
// MAX_ARG_STRLEN: execve refuses (E2BIG) any one argument or "KEY=VALUE" longer than 32 pages, its NUL included.
const MAX_STRING_BYTES = 32 * 4096;
// PATH_MAX, its NUL included: a longer cwd or program path fails chdir or execve with ENAMETOOLONG.
const MAX_PATH_BYTES = 4096;
const MAX_ARGS = 4096;
const MAX_ENV = 4096;
const MAX_GROUPS = 64;
/** The most a grace period may be, for Stop and for Free with stop. */
export const MAX_GRACE_MS = 3_600_000;
const ID = /^([a-z_][a-z0-9_.-]{0,31}\$?|\d{1,10})$/i; // a user or group name (as useradd allows) or a numeric id
// uid_t and gid_t are 32 bits, and (uid_t)-1 means "unchanged" to setresuid: not an id.
const MAX_ID = 2 ** 32 - 2;
// A portable variable name (Kubernetes' rule before 1.30): what every shell and libc handle alike.
const ENV_NAME = /^[A-Za-z_.-][A-Za-z0-9_.-]*$/;

export function validateExecutableSpec(spec: ExecutableSpec): ExecutableSpec {
  validateCellName(spec.cell, "spec.cell_name");
  validateExecutableName(spec.name, "spec.name");
  validateArgv(spec);
  validateEnv(spec);
  checkAbsolutePath(spec.cwd, "spec.cwd");
  if (spec.user !== undefined) checkId(spec.user, "spec.user");
  if (spec.group !== undefined) checkId(spec.group, "spec.group");
  if ((spec.supplementaryGroups?.length ?? 0) > MAX_GROUPS) throw invalid("spec.supplementary_groups", `at most ${MAX_GROUPS}`);
  spec.supplementaryGroups?.forEach((g, i) => checkId(g, `spec.supplementary_groups[${i}]`));
  if (!Number.isInteger(spec.umask) || spec.umask < 0 || spec.umask > 0o777)
    throw invalid("spec.umask", `must be 0 to 0777, got ${spec.umask.toString(8)}`);
  spec.rlimits.forEach((r, i) => validateRlimit(r, `spec.rlimits[${i}]`));
  const resources = spec.rlimits.map((r) => r.resource);
  const twice = resources.findIndex((r, i) => resources.indexOf(r) !== i);
  if (twice >= 0) throw invalid(`spec.rlimits[${twice}].resource`, `${quote(resources[twice]!)} is set more than once`);
  validateRestart(spec.restart);
  if (spec.labels) validateLabels(spec.labels, "spec.labels");
  return spec;
}

function validateArgv(spec: ExecutableSpec): void {
  if (spec.argv.length === 0 || spec.argv[0] === "") throw invalid("spec.argv", "needs the program as argv[0]");
  if (spec.shell && spec.argv.length !== 1) throw invalid("spec.argv", `with shell, holds exactly one command line, got ${spec.argv.length} strings`);
  if (spec.argv.length > MAX_ARGS) throw invalid("spec.argv", `has ${spec.argv.length} arguments, at most ${MAX_ARGS}`);
  spec.argv.forEach((arg, i) => checkArgString(arg, `spec.argv[${i}]`));
  const program = spec.argv[0];
  // A relative path would be resolved against cwd, which is rarely what was meant ("../x"): absolute, or a bare
  // name looked up in PATH.
  if (!spec.shell && program.includes("/")) checkAbsolutePath(program, "spec.argv[0]");
}

function validateEnv(spec: ExecutableSpec): void {
  const env = Object.entries(spec.env);
  if (env.length > MAX_ENV) throw invalid("spec.env", `has ${env.length} variables, at most ${MAX_ENV}`);
  for (const [key, value] of env) {
    const field = `spec.env[${JSON.stringify(key)}]`;
    if (!ENV_NAME.test(key)) throw invalid(field, 'is not a variable name: use letters, digits, "_", "." and "-", not a digit first');
    checkArgString(`${key}=${value}`, field);
  }
  const bytes = [...spec.argv, ...env.map(([k, v]) => `${k}=${v}`)].reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
  if (bytes > MAX_ARGS_AND_ENV_BYTES) throw invalid("spec.argv", `argv and env take ${bytes} bytes, at most ${MAX_ARGS_AND_ENV_BYTES}`);
}

function validateRlimit(r: Rlimit, field: string): void {
  if (!(RLIMIT_RESOURCES as readonly string[]).includes(r.resource))
    throw invalid(`${field}.resource`, `${quote(r.resource)} is not one of ${RLIMIT_RESOURCES.join(", ")}`);
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

/** A grace period before SIGKILL: 0 to MAX_GRACE_MS. */
export function validateGracePeriodMs(ms: number, field: string): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_GRACE_MS) throw invalid(field, `must be 0 to ${MAX_GRACE_MS}, got ${ms}`);
  return ms;
}

function checkId(value: string, field: string): void {
  if (!ID.test(value)) throw invalid(field, `${quote(value)} is neither a user/group name nor a numeric id`);
  if (/^\d+$/.test(value) && Number(value) > MAX_ID) throw invalid(field, `${value} is past the largest id, ${MAX_ID}`);
}

/** One string execve passes on: no NUL (it would end the string early), at most MAX_ARG_STRLEN. */
function checkArgString(value: string, field: string): void {
  if (value.includes("\0")) throw invalid(field, "must not contain a NUL byte");
  const bytes = Buffer.byteLength(value) + 1;
  if (bytes > MAX_STRING_BYTES) throw invalid(field, `takes ${bytes} bytes, at most ${MAX_STRING_BYTES}`);
}

function checkAbsolutePath(path: string, field: string): void {
  if (!isAbsolute(path)) throw invalid(field, `must be an absolute path, got ${quote(path)}`);
  if (path.includes("\0")) throw invalid(field, "must not contain a NUL byte");
  if (Buffer.byteLength(path) >= MAX_PATH_BYTES) throw invalid(field, `is longer than PATH_MAX (${MAX_PATH_BYTES} bytes)`);
}
