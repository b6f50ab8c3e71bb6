// A real auraed for one benchmark, as the e2e tests run it (test/helpers/daemon.ts), without node:test hooks: built
// dist/, temp dirs, a throwaway PKI, its own cgroup root (aurae-bench-<hex>), the Unix socket with mutual TLS. Its
// undo step is registered as soon as its temp dir exists: it stops the daemon, kills the shims it started (found by our
// temp dir in their command line), removes the cgroup root in every hierarchy (killing what is left in it) and the
// temp dir.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type AuraeClient } from "../../src/client/index.js";
import { removeCgroupRoot } from "../../test/helpers/cgroups.js";
import { uniqueName } from "../../test/helpers/names.js";
import type { TestDaemon } from "../../test/helpers/daemon.js";
import { createTestPki } from "../../test/helpers/pki.js";
import type { Cleanup } from "./cleanup.js";
import { exitOf, killPids, pidsWith } from "./procs.js";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const DAEMON_MAIN = join(REPO, "dist/daemon/main.js");
/**
 * Node flags for every bench daemon, e.g. AURAE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" for a cpu
 * profile written when each exits (see docs/performance.md).
 */
const NODE_ARGS = (process.env.AURAE_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
/** auraed's own node flags: those of its first line, `#!/usr/bin/env -S node FLAGS` (packaging/auraed.service passes the same). */
const SHEBANG_FLAGS = /^#!\S*env(?: -S)? node(.*)$/;
const GC_ON_SIGNAL = ["--expose-gc", "--import", join(REPO, "bench/harness/gc-on-signal.mjs")];
/** The line gc-on-signal.mjs writes to the daemon's log after each collection. */
const GC_DONE = "bench: garbage collected\n";
const GC_TIMEOUT_MS = 10_000;
const SERVING_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 30_000;

export interface DaemonOptions {
  /** More auraed flags. */
  readonly args?: readonly string[];
  /** Node runs it with gc-on-signal.mjs, so that collectGarbage() works (for memory figures). */
  readonly gcOnSignal?: boolean;
}

/** Where it lives, as the e2e tests' daemon (temp dir, PKI, socket, state dir, cgroup root). */
export interface BenchDaemon extends Pick<TestDaemon, "dir" | "pki" | "socketPath" | "stateDir" | "cgroupRoot"> {
  /** The admin client over the Unix socket; replaced on each start. */
  readonly client: AuraeClient;
  /** The daemon's pid while it runs. */
  readonly pid: number;
  /** Another admin client (closed at cleanup); `socket` points it at another server with the same PKI. */
  connect(socket?: string): Promise<AuraeClient>;
  /** Starts auraed on the same dirs; resolves with the milliseconds from spawn to its first SERVING health answer. */
  start(): Promise<number>;
  /** SIGTERM (workloads keep running) and wait for the exit. */
  stop(): Promise<void>;
  /** Pids of the shims this daemon started that still run. */
  shimPids(): Promise<number[]>;
  /** A full garbage collection in the daemon, done when it resolves; only with the option gcOnSignal. */
  collectGarbage(): Promise<void>;
}

export async function startDaemon(cleanup: Cleanup, options: DaemonOptions = {}): Promise<BenchDaemon> {
  if (!existsSync(DAEMON_MAIN)) throw new Error(`${DAEMON_MAIN} is missing: run "npm run build" first`);
  const dir = await mkdtemp(join(tmpdir(), "aurae-bench-"));
  const cgroupRoot = uniqueName("aurae-bench");
  const clients: AuraeClient[] = [];
  let child: ChildProcess | undefined;
  let client: AuraeClient | undefined;
  const socketPath = join(dir, "run", "aurae.sock");
  const stateDir = join(dir, "state");
  const logPath = join(dir, "auraed.log");

  const stop = async (): Promise<void> => {
    if (!child) return;
    child.kill("SIGTERM");
    await exitOf(child, STOP_GRACE_MS);
  };
  cleanup.add(`auraed in ${dir}`, async () => {
    for (const c of clients) c.close();
    await stop();
    killPids(await pidsWith("aurae-shim", dir));
    await removeCgroupRoot(cgroupRoot);
    await rm(dir, { recursive: true, force: true });
  });
  const pki = await createTestPki(dir, socketPath);
  const nodeFlags = (SHEBANG_FLAGS.exec((await readFile(DAEMON_MAIN, "utf8")).split("\n", 1)[0]!)?.[1] ?? "").split(" ").filter(Boolean);

  const handle: BenchDaemon = {
    get client() {
      if (!client) throw new Error("auraed is not running");
      return client;
    },
    dir,
    pki,
    socketPath,
    stateDir,
    cgroupRoot,
    get pid() {
      if (child?.pid === undefined || child.exitCode !== null) throw new Error("auraed is not running");
      return child.pid;
    },
    async connect(socket = socketPath) {
      const c = await connect({ config: pki.clientConfig, socket });
      clients.push(c);
      return c;
    },
    async start() {
      const args = [
        ...nodeFlags,
        ...NODE_ARGS,
        ...(options.gcOnSignal ? GC_ON_SIGNAL : []),
        DAEMON_MAIN,
        ...["--runtime-dir", join(dir, "run"), "--state-dir", stateDir, "--config-dir", pki.configDir],
        ...["--cgroup-root", cgroupRoot, "--trust-domain", "aurae.test", "--no-tcp"],
        ...(options.args ?? []),
      ];
      const logFd = openSync(logPath, "a");
      const startedAt = performance.now();
      child = spawn(process.execPath, args, { stdio: ["ignore", logFd, logFd] });
      closeSync(logFd);
      const proc = child;
      await waitServing(() => proc.exitCode, socketPath, () => handle.connect(), logPath);
      const ms = performance.now() - startedAt;
      client = await handle.connect();
      return ms;
    },
    stop,
    shimPids: () => pidsWith("aurae-shim", dir),
    async collectGarbage() {
      if (!options.gcOnSignal) throw new Error("collectGarbage needs a daemon started with the option gcOnSignal");
      const done = async () => (await readFile(logPath, "utf8")).split(GC_DONE).length - 1;
      const before = await done();
      process.kill(handle.pid, "SIGUSR2");
      const deadline = Date.now() + GC_TIMEOUT_MS;
      while ((await done()) === before) {
        if (Date.now() > deadline) throw new Error(`auraed did not report a garbage collection within ${GC_TIMEOUT_MS} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  await handle.start();
  return handle;
}

/**
 * Polls for the socket (a channel that failed to connect backs off for a second, which would blur the figure),
 * then asks health with a fresh client until the answer is SERVING.
 */
async function waitServing(
  exitCode: () => number | null,
  socketPath: string,
  connectClient: () => Promise<AuraeClient>,
  logPath: string,
): Promise<void> {
  const deadline = Date.now() + SERVING_TIMEOUT_MS;
  for (;;) {
    if (exitCode() !== null) throw new Error(`auraed exited with ${exitCode()}:\n${await tail(logPath)}`);
    if (Date.now() > deadline) throw new Error(`auraed did not serve within ${SERVING_TIMEOUT_MS} ms:\n${await tail(logPath)}`);
    if (await stat(socketPath).then(() => true, () => false)) {
      const probe = await connectClient();
      const status = await probe.health.check({}, { deadline: 1000 }).then((r) => r.status, () => undefined);
      probe.close();
      if (status === 1) return;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function tail(path: string): Promise<string> {
  return (await readFile(path, "utf8").catch(() => "")).split("\n").slice(-20).join("\n");
}
