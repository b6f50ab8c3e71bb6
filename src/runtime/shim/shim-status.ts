// The shim's status file: written atomically when the workload exits and again when its output closes.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, internal } from "../../errors.js";

export interface ShimStatus {
  readonly pid: number;
  readonly startedAtUnixNano: bigint;
  readonly exitedAtUnixNano: bigint;
  readonly exitCode: number | null;
  readonly signal: number | null;
  readonly oomKilled: boolean;
  /** CPU time of the workload and of every descendant it reaped (wait4's rusage); 0 from a shim that predates it. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** The workload's stdout and stderr reached EOF: the log file is complete. */
  readonly logClosed: boolean;
}

export const statusPath = (stateDir: string): string => join(stateDir, "status.json");

/** The status the shim recorded, or undefined while the workload runs. */
export async function readShimStatus(stateDir: string): Promise<ShimStatus | undefined> {
  const path = statusPath(stateDir);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw internal(`read ${path}: ${errnoCode(err)}`, { cause: err });
  }
  return parseShimStatus(text, path);
}

export function parseShimStatus(text: string, path: string): ShimStatus {
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const exitCode = raw.exitCode ?? null;
    const signal = raw.signal ?? null;
    if (typeof raw.pid !== "number" || typeof raw.oomKilled !== "boolean" || typeof raw.logClosed !== "boolean")
      throw new Error("missing pid, oomKilled or logClosed");
    if ((exitCode === null) === (signal === null)) throw new Error("needs exactly one of exitCode and signal");
    if (exitCode !== null && typeof exitCode !== "number") throw new Error("exitCode is not a number");
    if (signal !== null && typeof signal !== "number") throw new Error("signal is not a number");
    return {
      pid: raw.pid,
      startedAtUnixNano: BigInt(String(raw.startedAtUnixNano)),
      exitedAtUnixNano: BigInt(String(raw.exitedAtUnixNano)),
      exitCode,
      signal,
      oomKilled: raw.oomKilled,
      cpuUserUs: microseconds(raw, "cpuUserUs"),
      cpuSystemUs: microseconds(raw, "cpuSystemUs"),
      logClosed: raw.logClosed,
    };
  } catch (err) {
    throw internal(`${path} is corrupt: ${(err as Error).message}`, { cause: err });
  }
}

function microseconds(raw: Record<string, unknown>, key: "cpuUserUs" | "cpuSystemUs"): number {
  const value = raw[key] ?? 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw new Error(`${key} is not a count of microseconds`);
  return value;
}

/** The workload pid a shim recorded once its exec succeeded, or undefined before that (or if none ran). */
export async function readShimPid(stateDir: string): Promise<number | undefined> {
  const text = await readFile(join(stateDir, "pid"), "utf8").catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
