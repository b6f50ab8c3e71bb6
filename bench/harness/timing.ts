// Clocks for the figures: milliseconds of one async call, of a process run to its exit, and a closed-loop load.
import { spawn, type StdioOptions } from "node:child_process";
import { once } from "node:events";

/** Milliseconds `fn` took. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Runs a program to its exit; resolves with the milliseconds from spawn to exit and its stdout; rejects unless it exits 0. */
export async function runToExit(
  program: string,
  args: readonly string[],
  stdio: StdioOptions = ["ignore", "pipe", "inherit"],
): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const child = spawn(program, args, { stdio });
  let stdout = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`${program} ${args.join(" ")} exited with ${code ?? signal}`);
  return { ms, stdout };
}

export interface LoadWindow {
  readonly callsPerSecond: number;
  /** Milliseconds of each call, in completion order. */
  readonly latenciesMs: number[];
}

/** Keeps `inFlight` calls going for `durationMs`, each worker starting its next call when its last one answers. */
export async function closedLoop(call: () => Promise<unknown>, inFlight: number, durationMs: number): Promise<LoadWindow> {
  const latenciesMs: number[] = [];
  const t0 = performance.now();
  const end = t0 + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const started = performance.now();
      await call();
      latenciesMs.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { callsPerSecond: latenciesMs.length / ((performance.now() - t0) / 1000), latenciesMs };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits long enough that the next process start finds the kernel as an isolated start on a quiet node does. Moving a
 * task into a cgroup takes the global cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period
 * (measured here: ~8 ms median, up to ~24 ms) unless another move happened in the last ~20 ms; without a pause, a
 * measurement would ride on the grace period the one before it paid.
 */
export const settle = (): Promise<void> => sleep(50);
