// The resource limits of a process, as /proc/<pid>/limits shows them, keyed by prlimit(1)'s resource names (those
// an executable's spec uses). Read synchronously: the file is one page, and the authorizer decides calls at once.
import { readFileSync } from "node:fs";
import { errnoCode, precondition } from "../errors.js";

/** A soft or hard limit; undefined is unlimited (RLIM_INFINITY). */
export interface ProcessLimit {
  readonly soft: bigint | undefined;
  readonly hard: bigint | undefined;
}

// The rows of /proc/<pid>/limits (fs/proc/base.c lnames[]) by resource.
const ROWS: Readonly<Record<string, string>> = {
  "Max cpu time": "cpu",
  "Max file size": "fsize",
  "Max data size": "data",
  "Max stack size": "stack",
  "Max core file size": "core",
  "Max resident set": "rss",
  "Max processes": "nproc",
  "Max open files": "nofile",
  "Max locked memory": "memlock",
  "Max address space": "as",
  "Max file locks": "locks",
  "Max pending signals": "sigpending",
  "Max msgqueue size": "msgqueue",
  "Max nice priority": "nice",
  "Max realtime priority": "rtprio",
  "Max realtime timeout": "rttime",
};

export function readProcessLimits(path = "/proc/self/limits"): ReadonlyMap<string, ProcessLimit> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw precondition(`read ${path}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  }
  return parseProcessLimits(text);
}

export function parseProcessLimits(text: string): ReadonlyMap<string, ProcessLimit> {
  const limits = new Map<string, ProcessLimit>();
  for (const line of text.split("\n")) {
    // Columns are padded to fixed widths, and row names hold spaces: split on two or more.
    const [row, soft, hard] = line.trim().split(/\s{2,}/);
    const resource = row === undefined ? undefined : ROWS[row];
    if (resource !== undefined && soft !== undefined && hard !== undefined) limits.set(resource, { soft: limitValue(soft), hard: limitValue(hard) });
  }
  return limits;
}

const limitValue = (text: string): bigint | undefined => (text === "unlimited" ? undefined : BigInt(text));
