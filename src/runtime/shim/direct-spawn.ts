// Starts one shim with Node's child_process.spawn: the path when no launcher runs (launcher.ts). It costs a fork of
// the whole daemon (2-3 ms at ~90 MB) and a ChildProcess kept until the shim exits.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import { internal, unavailable } from "../../errors.js";
import { parseShimReport } from "./launcher-protocol.js";
import { spawnedFrom, type Spawned } from "./spawned.js";

/**
 * Runs `shimPath args` detached, `env` on its fd 3, and resolves with its report. An abort of `signal` SIGKILLs the
 * shim and rejects as unavailable.
 */
export async function spawnShimDirectly(shimPath: string, args: readonly string[], env: Buffer | undefined, signal?: AbortSignal): Promise<Spawned> {
  const child = spawn(shimPath, args, {
    detached: true, // setsid: the shim must not share the daemon's session or die with it
    // fd 3 carries the environment (--env-fd): on the command line every local user could read its secrets.
    stdio: ["ignore", "pipe", "ignore", env ? "pipe" : "ignore"],
  });
  child.unref();
  if (env) {
    const pipe = child.stdio[3] as Writable;
    pipe.on("error", () => undefined); // a shim that died early says why on stdout
    pipe.end(env);
  }
  const [spawnError] = await Promise.race([once(child, "spawn").then(() => [undefined]), once(child, "error")]);
  if (spawnError) throw internal(`start shim ${shimPath}: ${(spawnError as Error).message}`, { cause: spawnError });
  const kill = (): void => void (child.exitCode === null && child.kill("SIGKILL"));
  signal?.addEventListener("abort", kill);
  try {
    if (signal?.aborted) kill();
    const line = await firstLine(child.stdout!);
    if (signal?.aborted) throw unavailable(`shim ${shimPath} did not report before its deadline; it was killed`);
    return spawnedFrom(line === undefined ? undefined : parseShimReport(line), `shim ${shimPath} (got ${JSON.stringify(line ?? "")})`);
  } finally {
    signal?.removeEventListener("abort", kill);
    child.stdout!.destroy(); // the shim ignores EPIPE on later writes
  }
}

async function firstLine(stream: NodeJS.ReadableStream): Promise<string | undefined> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close(); // else it stays attached to the shim's stdout, holding its buffers, for the shim's lifetime
  }
}
