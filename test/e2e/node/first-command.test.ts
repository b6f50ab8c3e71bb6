// The README's first command, as a newcomer types it: ./scripts/dev.sh in a fresh clone with a fresh HOME sets up,
// puts aer, aurae and auraed on the PATH, runs auraed and the demo, and leaves no zombie; a second user (another
// HOME) running it gets a client config from the CA that exists. Everything lives in temp dirs with a unique cgroup
// root and the Unix socket only; the bin directory is a temp one too, so nothing global ever points into the clone.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { access, constants, mkdtemp, readdir, readFile, realpath, rm, symlink, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { removeCgroupRoot } from "../../helpers/cgroups.js";
import { REPO } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { isAlive } from "../../helpers/processes.js";
import { eventually } from "../cli/run-aer.js";

const run = promisify(execFile);
const FIRST_RUN_MS = 300_000; // a full tsc build of the clone on a shared machine

test("dev.sh in a fresh clone puts aer on the PATH, serves, reaps its demo, and gives a second user a client config", { timeout: 2 * FIRST_RUN_MS }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "aurae-first-"));
  const cgroupRoot = uniqueName("aurae-first");
  const running = new Set<DevRun>();
  t.after(async () => {
    for (const dev of running) await dev.stop().catch((err: unknown) => t.diagnostic(`stopping dev.sh: ${String(err)}`));
    await removeCgroupRoot(cgroupRoot);
    await rm(dir, { recursive: true, force: true });
  });
  const clone = await freshClone(dir);
  const binDir = join(dir, "bin");
  const env = devEnv(dir, cgroupRoot, binDir);
  const outside = (home: string) => ({ cwd: dir, env: { ...env, HOME: join(dir, home), PATH: `${binDir}:${process.env.PATH ?? ""}` } });

  const first = startDev(clone, { ...env, HOME: join(dir, "home1") }, running);
  await first.demoDone(FIRST_RUN_MS);
  assert.equal((await run("aer", ["health"], outside("home1"))).stdout, "SERVING\n");
  for (const name of ["aer", "aurae", "auraed"]) {
    assert.ok((await realpath(join(binDir, name))).startsWith(`${await realpath(clone)}/dist/`), name);
    await access(join(binDir, name), constants.X_OK);
  }
  await run("auraed", ["--help"], outside("home1"));
  assert.deepEqual(await zombiesUnder([first.pid, await first.auraedPid()]), [], "the demo was reaped");
  await first.stop();

  const second = startDev(clone, { ...env, HOME: join(dir, "home2") }, running);
  await second.demoDone(FIRST_RUN_MS / 2);
  assert.match(second.output(), /PKI already exists in .*: created spiffe:\/\/aurae\.local\/admin in .*home2\/\.aurae\/pki, signed by its CA/);
  assert.equal((await run("aer", ["health"], outside("home2"))).stdout, "SERVING\n");
  assert.equal((await run("aer", ["health"], outside("home1"))).stdout, "SERVING\n", "the first user's config still works");
  assert.deepEqual(await zombiesUnder([second.pid, await second.auraedPid()]), []);
  await second.stop();
});

/** A clone of this repository reusing its node_modules, so that nothing is downloaded. */
async function freshClone(dir: string): Promise<string> {
  const clone = join(dir, "aurae");
  await run("git", ["clone", "--quiet", REPO, clone]);
  await symlink(await realpath(join(REPO, "node_modules")), join(clone, "node_modules"));
  // The clone's lockfile is newer than the shared install, so install-deps.sh would run npm ci into it: date it back.
  await utimes(join(clone, "package-lock.json"), 0, 0);
  return clone;
}

function devEnv(dir: string, cgroupRoot: string, binDir: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("AURAE_")));
  return {
    ...env,
    AURAE_CONFIG_DIR: join(dir, "etc"),
    AURAE_RUNTIME_DIR: join(dir, "run"),
    AURAE_STATE_DIR: join(dir, "state"),
    AURAE_CGROUP_ROOT: cgroupRoot,
    AURAE_BIN_DIR: binDir,
    NPM_CONFIG_UPDATE_NOTIFIER: "false", // a fresh HOME has no record of npm's last registry check
  };
}

interface DevRun {
  readonly pid: number;
  output(): string;
  demoDone(timeoutMs: number): Promise<void>;
  auraedPid(): Promise<number>;
  /** SIGTERM to auraed, by its pid; dev.sh then ends with auraed's status. */
  stop(): Promise<void>;
}

function startDev(clone: string, env: NodeJS.ProcessEnv, running: Set<DevRun>): DevRun {
  const child: ChildProcess = spawn("./scripts/dev.sh", ["--no-tcp"], { cwd: clone, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit") as Promise<[number | null, string | null]>;
  const pid = child.pid!;
  const auraedPid = async (): Promise<number> => {
    // Before dev.sh stopped exec'ing auraed, its pid was dev.sh's.
    const found = (await processes()).find((p) => (p.pid === pid || p.ppid === pid) && p.cmdline.includes("dist/daemon/main.js"));
    assert.ok(found, `auraed under dev.sh (pid ${pid})\n${output}`);
    return found.pid;
  };
  const dev: DevRun = {
    pid,
    output: () => output,
    demoDone: async (timeoutMs) => {
      await eventually("dev.sh's demo", () => output.includes("--- auraed is serving") || child.exitCode !== null, timeoutMs);
      assert.equal(child.exitCode, null, `dev.sh ended early:\n${output}`);
      assert.doesNotMatch(output, /demo failed/, output);
      // The demo's process ends right after its last line.
      await eventually("the demo's process to end", async () => (await processes()).every((p) => !isUnder(p, [pid]) || p.state === "Z" || p.cmdline.includes("dist/daemon/main.js")));
    },
    auraedPid,
    stop: async () => {
      running.delete(dev);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const daemon = await auraedPid().catch(() => undefined);
      if (daemon !== undefined) process.kill(daemon, "SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const [code] = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, output);
      if (daemon !== undefined) await eventually("auraed to end", () => !isAlive(daemon));
    },
  };
  running.add(dev);
  return dev;
}

interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
  readonly cmdline: string;
}

async function processes(): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ")".
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state === undefined || ppid === undefined) continue;
    const cmdline = (await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
    entries.push({ pid: Number(name), ppid: Number(ppid), state, cmdline });
  }
  return entries;
}

const isUnder = (p: ProcessEntry, parents: readonly number[]): boolean => parents.includes(p.ppid);

async function zombiesUnder(parents: readonly number[]): Promise<number[]> {
  return (await processes()).filter((p) => isUnder(p, parents) && p.state === "Z").map((p) => p.pid);
}
