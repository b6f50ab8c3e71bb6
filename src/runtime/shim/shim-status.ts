// The shim's status file: written atomically when the workload exits and again when its output closes.
//
// Read synchronously on purpose: a few hundred bytes on the state directory's local disk, read when inotify says the
// shim just wrote it (so from the page cache) or at start-up before auraed serves (when nothing else waits for the
// event loop). A synchronous read is a few microseconds; through fs.promises it is four thread-pool round trips of
// ~70 us each (open, fstat, read, close), and a restart reads the status of every workload.
import { readFileSync } from "node:fs";
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
export function readShimStatus(stateDir: string): ShimStatus | undefined {
  const path = statusPath(stateDir);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
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
export function readShimPid(stateDir: string): number | undefined {
  const pid = Number(readTextIfAny(join(stateDir, "pid"))?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** A small file's text (latin1: a command line may hold any byte), or undefined when it cannot be read. */
export function readTextIfAny(path: string): string | undefined {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return undefined;
  }
}
