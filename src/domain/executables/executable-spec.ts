import { isAbsolute } from "node:path";
import { invalid } from "../../errors.js";
import { validateCellName, validateExecutableName } from "../names.js";

/** What a caller asks to run. argv is executed as is: no shell. */
export interface ExecutableSpec {
  readonly cell: string;
  readonly name: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export type ExecutableState = "running" | "stopping" | "exited";

/** How a process ended: exactly one of code and signal is set. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: number | null;
  readonly oomKilled: boolean;
}

export interface Executable {
  readonly spec: ExecutableSpec;
  readonly state: ExecutableState;
  readonly pid: number;
  readonly startedAt: Date;
  readonly exitedAt?: Date;
  readonly exit?: ExitStatus;
}

// The kernel's limit on argv plus envp is about a quarter of the stack rlimit (2 MiB with the usual 8 MiB stack);
// staying well below it means an exec never fails with E2BIG for a spec we accepted.
const MAX_ARGS_AND_ENV_BYTES = 1 << 20;
const MAX_ARGS = 4096;
const MAX_ENV = 4096;

export function validateExecutableSpec(spec: ExecutableSpec): ExecutableSpec {
  validateCellName(spec.cell, "spec.cell_name");
  validateExecutableName(spec.name, "spec.name");
  if (spec.argv.length === 0 || spec.argv[0] === "") throw invalid("spec.argv", "needs the program as argv[0]");
  if (spec.argv.length > MAX_ARGS) throw invalid("spec.argv", `has ${spec.argv.length} arguments, at most ${MAX_ARGS}`);
  spec.argv.forEach((arg, i) => checkNoNul(arg, `spec.argv[${i}]`));
  const env = Object.entries(spec.env);
  if (env.length > MAX_ENV) throw invalid("spec.env", `has ${env.length} variables, at most ${MAX_ENV}`);
  for (const [key, value] of env) {
    if (key === "" || key.includes("=")) throw invalid("spec.env", `variable name "${key}" must be non-empty and hold no "="`);
    checkNoNul(key, "spec.env");
    checkNoNul(value, `spec.env["${key}"]`);
  }
  const bytes = [...spec.argv, ...env.map(([k, v]) => `${k}=${v}`)].reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
  if (bytes > MAX_ARGS_AND_ENV_BYTES) throw invalid("spec.argv", `argv and env take ${bytes} bytes, at most ${MAX_ARGS_AND_ENV_BYTES}`);
  if (!isAbsolute(spec.cwd)) throw invalid("spec.cwd", `must be an absolute path, got "${spec.cwd}"`);
  checkNoNul(spec.cwd, "spec.cwd");
  return spec;
}

function checkNoNul(value: string, field: string): void {
  if (value.includes("\0")) throw invalid(field, "must not contain a NUL byte");
}
