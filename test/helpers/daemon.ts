// useDaemon(): a real auraed for one test file, on temp dirs, its own PKI and its own cgroup root, reached over mTLS.
// After the file's tests it stops the daemon, fails if any cell cgroup, process or shim was left behind or if the
// daemon logged an error the file did not declare, and removes everything it made.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { connect as netConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { connect, type AuraeClient, type ClientOptions } from "../../src/client/index.js";
import { SHIMS_CGROUP } from "../../src/runtime/cgroups/driver.js";
import { cgroupRoots, descendants, hierarchyDir, procsIn, readControllerFile, removeCgroupRoot } from "./cgroups.js";
import { uniqueName } from "./names.js";
import { patience } from "./patience.js";
import { shimsOf } from "./node-state.js";
import { createTestPki, type TestPki } from "./pki.js";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const DAEMON_MAIN = join(REPO, "dist/daemon/main.js");

export interface DaemonOptions {
  /** Also listen on TCP [::1] (on a free port). */
  readonly tcp?: boolean;
  /** More auraed flags. */
  readonly args?: readonly string[];
  /**
   * Error-level daemon log lines (level >= 50) the file's tests provoke on purpose, each matched against the whole
   * JSON line; any other error line fails the teardown.
   */
  readonly expectErrors?: readonly RegExp[];
}

export interface TestDaemon {
  /** A client connected as the admin; valid inside tests. */
  readonly client: AuraeClient;
  readonly dir: string;
  readonly pki: TestPki;
  readonly socketPath: string;
  readonly stateDir: string;
  readonly cgroupRoot: string;
  readonly tcpPort: number | undefined;
  /** The daemon's pid, while it runs. */
  readonly pid: number | undefined;
  /** Another client; closed after the tests. */
  connect(options?: Partial<ClientOptions>): Promise<AuraeClient>;
  /** Starts auraed again (after kill9 or stop) on the same dirs and waits until it serves. */
  start(): Promise<void>;
  kill9(): Promise<void>;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
  /**
   * The cgroup directory of a cell (or "cell/x.exe" leaf) in the hierarchy of a v1 controller or "unified": the one
   * cgroup2 hierarchy on a pure v2 host. Throws when this host has no such hierarchy.
   */
  cgroupDir(hierarchy: string, path: string): string;
  /** A kernel file of a cell's cgroup, trimmed, named as on v1 and on v2 (cgroupDir picks the hierarchy). */
  cgroupFile(controller: string, path: string, files: { readonly v1: string; readonly v2: string }): Promise<string>;
  log(): Promise<string>;
}

export function useDaemon(options: DaemonOptions = {}): TestDaemon {
  let dir = "";
  let pki: TestPki;
  let child: ChildProcess | undefined;
  let client: AuraeClient | undefined;
  let tcpPort: number | undefined;
  const clients: AuraeClient[] = [];
  const cgroupRoot = uniqueName("aurae-test");

  const paths = () => ({ socket: join(dir, "run", "aurae.sock"), state: join(dir, "state"), log: join(dir, "auraed.log") });

  const handle: TestDaemon = {
    get client() {
      if (!client) throw new Error("useDaemon: the daemon is not running");
      return client;
    },
    get dir() {
      return dir;
    },
    get pki() {
      return pki;
    },
    get socketPath() {
      return paths().socket;
    },
    get stateDir() {
      return paths().state;
    },
    cgroupRoot,
    get tcpPort() {
      return tcpPort;
    },
    get pid() {
      return running(child) ? child.pid : undefined;
    },
    async connect(opts = {}) {
      const c = await connect({ config: pki.clientConfig, ...opts });
      clients.push(c);
      return c;
    },
    async start() {
      const args = [
        DAEMON_MAIN,
        "--runtime-dir", join(dir, "run"),
        "--state-dir", paths().state,
        "--config-dir", pki.configDir,
        "--cgroup-root", cgroupRoot,
        "--trust-domain", "aurae.test",
        ...(tcpPort ? ["--tcp", `[::1]:${tcpPort}`] : ["--no-tcp"]),
        ...(options.args ?? []),
      ];
      const logFd = openSync(paths().log, "a");
      child = spawn(process.execPath, args, { stdio: ["ignore", logFd, logFd] });
      closeSync(logFd);
      // Connect only once the socket accepts: a channel that found nothing backs off for a second.
      await waitListening(paths().socket, child, paths().log);
      client = await handle.connect();
      await waitServing(client, child, paths().log);
    },
    async kill9() {
      if (!running(child)) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (!running(child)) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
    cgroupDir(hierarchy, path) {
      return join(hierarchyDir(hierarchy), cgroupRoot, path);
    },
    cgroupFile: (controller, path, files) => readControllerFile(controller, join(cgroupRoot, path), files),
    log: () => readFile(paths().log, "utf8"),
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "aurae-test-"));
    pki = await createTestPki(dir, paths().socket);
    if (options.tcp) tcpPort = await freePort();
    await handle.start();
  });

  after(async () => {
    for (const c of clients) c.close();
    await handle.stop();
    const leftovers = await leftoversIn(cgroupRoot);
    if (await stat(paths().socket).then(() => true, () => false)) leftovers.push(`socket ${paths().socket}`);
    const shims = await shimsLeft(paths().state);
    for (const [pid, shimDir] of shims) leftovers.push(`shim ${pid} of ${shimDir}`);
    const errors = unexpectedErrors(await handle.log().catch(() => ""), options.expectErrors ?? []);
    await removeCgroupRoot(cgroupRoot);
    await endShims(paths().state, shims);
    await rm(dir, { recursive: true, force: true });
    if (leftovers.length > 0) throw new Error(`tests left behind: ${leftovers.join("; ")}`);
    if (errors.length > 0) throw new Error(`auraed logged errors no test declared (useDaemon expectErrors):\n${errors.join("\n")}`);
  });

  return handle;
}

/** Whether `child` still runs: a child killed by a signal has signalCode set and exitCode still null. */
function running(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** The daemon's JSON log lines at error level or above (pino: 50 error, 60 fatal) that no pattern declares. */
export function unexpectedErrors(log: string, expected: readonly RegExp[]): string[] {
  return log.split("\n").filter((line) => {
    if (!line.startsWith("{")) return false;
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return typeof level === "number" && level >= 50 && !expected.some((pattern) => pattern.test(line));
  });
}

/**
 * The daemon's shims still there once it stopped. A shim outlives its workload by the moment it takes to finish the
 * log and write the status, so only one still there a little later counts.
 */
async function shimsLeft(stateDir: string): Promise<Map<number, string>> {
  let shims = await shimsOf(stateDir);
  for (let waitedMs = 0; shims.size > 0 && waitedMs < 2000; waitedMs += 50) {
    await new Promise((r) => setTimeout(r, 50));
    shims = await shimsOf(stateDir);
  }
  return shims;
}

/** Ends the shims found left behind (by pid, and only those still the daemon's), so that the next file starts clean. */
async function endShims(stateDir: string, found: Map<number, string>): Promise<void> {
  const still = await shimsOf(stateDir);
  for (const pid of found.keys()) {
    if (!still.has(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

async function waitListening(socketPath: string, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + patience(20_000);
  while (!(await accepts(socketPath))) {
    if (child.exitCode !== null)
      throw new Error(`auraed exited with ${child.exitCode}:\n${await readFile(logPath, "utf8").catch(() => "")}`);
    if (Date.now() > deadline) throw new Error(`auraed did not listen on ${socketPath} within ${patience(20)} s:\n${await readFile(logPath, "utf8").catch(() => "")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function waitServing(client: AuraeClient, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + patience(20_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`auraed exited with ${child.exitCode}:\n${await readFile(logPath, "utf8").catch(() => "")}`);
    const status = await client.health.check({}, { deadline: patience(1000) }).then((r) => r.status, () => undefined);
    if (status === 1) return;
    if (Date.now() > deadline) throw new Error(`auraed did not serve within ${patience(20)} s:\n${await readFile(logPath, "utf8")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Cell cgroups and processes still under our root once the daemon stopped. */
async function leftoversIn(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const top of await cgroupRoots(root)) {
    // The shims' cgroup stays with the root (auraed makes it at start); a shim still in it is a leftover.
    for (const dir of await descendants(top)) if (basename(dir) !== SHIMS_CGROUP) found.push(`cgroup ${dir}`);
    for (const dir of [top, ...(await descendants(top))]) for (const pid of await procsIn(dir)) found.push(`pid ${pid} in ${dir}`);
  }
  return found;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "::1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
