// What the kernel says about processes: memory and cpu time from /proc, and finding the processes a daemon of ours started (its
// shims, found by our own unique state directory in their command line; never by a program name alone).
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile } from "node:fs/promises";

export interface Memory {
  /** Resident set (VmRSS), shared pages counted in full. */
  readonly rssKiB: number;
  /** Proportional set (smaps_rollup Pss): a page shared by n processes counts 1/n. */
  readonly pssKiB: number;
}

export async function memoryOf(pid: number): Promise<Memory> {
  const [status, rollup] = await Promise.all([
    readFile(`/proc/${pid}/status`, "utf8"),
    readFile(`/proc/${pid}/smaps_rollup`, "utf8"),
  ]);
  return { rssKiB: kibField(status, "VmRSS"), pssKiB: kibField(rollup, "Pss") };
}

/** Percent of one cpu that `pid` used (user + system time) during the next `ms` milliseconds. */
export async function cpuPercent(pid: number, ms: number): Promise<number> {
  const before = await cpuTicks(pid);
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const ticks = (await cpuTicks(pid)) - before;
  return (100 * (ticks / CLOCK_TICKS_PER_SECOND)) / ((performance.now() - t0) / 1000);
}

/** Pids of live processes whose argv[0] ends with `program` and whose command line contains `fragment`. */
export async function pidsWith(program: string, fragment: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (argv[0]?.endsWith(program) && argv.some((arg) => arg.includes(fragment))) found.push(Number(entry));
  }
  return found;
}

/** SIGKILL to each pid; one already gone is no error. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Waits for `child` to exit, sending SIGKILL if it has not after `graceMs`. */
export async function exitOf(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Seconds of cpu (user + system) `pid` has used, to the kernel's tick (10 ms). */
export const cpuSeconds = async (pid: number): Promise<number> => (await cpuTicks(pid)) / CLOCK_TICKS_PER_SECOND;

/** USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command (which may hold spaces), from field 3 on: utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

function kibField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!match) throw new Error(`no ${field} in /proc`);
  return Number(match[1]);
}
