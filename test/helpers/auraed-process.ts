// auraed started by hand on the directories of a useDaemon(): for what useDaemon itself does not do, such as a
// second instance on the same state directory or a start that is expected to fail.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { DAEMON_MAIN, type TestDaemon } from "./daemon.js";

export interface AuraedOptions {
  /** Where its socket goes; default the useDaemon's own. */
  readonly runtimeDir?: string;
  /** Default the useDaemon's own. */
  readonly stateDir?: string;
  /** More flags. */
  readonly args?: readonly string[];
}

export interface AuraedProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** The exit code once it exits; rejects when it still runs after `timeoutMs`. */
  exited(timeoutMs: number): Promise<number | null>;
  /** SIGTERM, and wait for the exit (a no-op once it exited). */
  stop(): Promise<void>;
}

export function spawnAuraed(aurae: TestDaemon, options: AuraedOptions = {}): AuraedProcess {
  const args = [
    DAEMON_MAIN,
    "--runtime-dir", options.runtimeDir ?? join(aurae.dir, "run"),
    "--state-dir", options.stateDir ?? aurae.stateDir,
    "--config-dir", aurae.pki.configDir,
    "--cgroup-root", aurae.cgroupRoot,
    "--trust-domain", "aurae.test",
    "--no-tcp",
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = child.exitCode !== null ? Promise.resolve(child.exitCode) : once(child, "exit").then(() => child.exitCode);
  return {
    child,
    output: () => output,
    async exited(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`auraed still runs after ${timeoutMs} ms:\n${output}`)), timeoutMs);
      });
      try {
        return await Promise.race([exit, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exit;
    },
  };
}
