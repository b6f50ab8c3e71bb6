// Runs the built aer (dist/cli/main.js) as a user would, against a test daemon, and answers its exit code and output.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import { REPO, type TestDaemon } from "../../helpers/daemon.js";

export const AER_MAIN = join(REPO, "dist", "cli", "main.js");
const run = promisify(execFile);

export interface AerResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** aer with `args` and no config of the daemon's: the caller says how to connect. */
export async function aerRaw(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<AerResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [AER_MAIN, ...args], { env: { ...process.env, ...env }, cwd: REPO });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** aer connected to `aurae` as its admin. */
export const aerOf =
  (aurae: TestDaemon) =>
  (...args: string[]): Promise<AerResult> =>
    aerRaw(["--config", aurae.pki.clientConfig, ...args]);

/** A long-running aer (-f, --watch); killed when the test ends. */
export function spawnAer(t: TestContext, aurae: TestDaemon, args: readonly string[]): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [AER_MAIN, "--config", aurae.pki.clientConfig, ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(() => void (child.exitCode === null && child.kill("SIGKILL")));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** Polls `check` until it answers true, or fails after `timeoutMs` with `what`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
