// Starts the bare grpc-js health server (echo-server.mjs) next to a bench daemon, with the daemon's PKI, on a socket in
// its temp dir; the process is killed at cleanup.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { AuraeClient } from "../../src/client/index.js";
import type { Cleanup } from "./cleanup.js";
import { REPO, type BenchDaemon } from "./daemon.js";
import { exitOf } from "./procs.js";

export interface EchoServer {
  readonly pid: number;
  /** A client of the same library and options as the daemon's, pointed at the echo server. */
  readonly client: AuraeClient;
}

export async function startEcho(cleanup: Cleanup, daemon: BenchDaemon): Promise<EchoServer> {
  const socket = join(daemon.dir, "echo.sock");
  const child = spawn(process.execPath, [join(REPO, "bench/harness/echo-server.mjs"), join(daemon.pki.configDir, "pki"), socket], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanup.add(`echo server pid ${child.pid}`, () => {
    child.kill("SIGTERM");
    return exitOf(child, 5000);
  });
  for await (const line of createInterface({ input: child.stdout! })) if (line === "ready") break;
  if (child.exitCode !== null) throw new Error(`the echo server exited with ${child.exitCode}`);
  return { pid: child.pid!, client: await daemon.connect(socket) };
}
