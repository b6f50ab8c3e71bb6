// One process as /proc shows it: its parent, command line and short name, for views of a cgroup's processes (like
// `systemctl status`). The root is a parameter so tests can point it at a directory shaped like /proc.
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Empty when the process has no command line left (a zombie; kernel threads never have one). */
  readonly argv: readonly string[];
  /** The kernel's short name (comm), at most 15 bytes. */
  readonly comm: string;
}

/** The process `pid`, or undefined when it is gone (it may exit between a cgroup's pid list and this read). */
export async function readProcess(pid: number, procRoot = "/proc"): Promise<ProcessInfo | undefined> {
  const dir = join(procRoot, String(pid));
  try {
    const [stat, cmdline] = await Promise.all([readFile(join(dir, "stat"), "utf8"), readFile(join(dir, "cmdline"))]);
    return { pid, ...parseStat(stat), argv: parseCmdline(cmdline) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ESRCH") return undefined;
    throw err;
  }
}

/**
 * /proc/<pid>/stat is "pid (comm) state ppid ...", and comm may itself hold spaces and parentheses: it ends at the
 * last ")" of the line (proc(5)).
 */
export function parseStat(stat: string): { comm: string; ppid: number } {
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  return { comm: stat.slice(open + 1, close), ppid: Number(fields[1]) };
}

/** NUL-separated arguments, the last one NUL-terminated. */
const parseCmdline = (bytes: Buffer): string[] => (bytes.length === 0 ? [] : bytes.toString("utf8").replace(/\0$/, "").split("\0"));
