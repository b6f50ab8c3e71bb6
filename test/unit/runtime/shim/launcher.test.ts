import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { before, test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { AuraeError } from "../../../../src/errors.js";
import { Launcher, NotLaunched } from "../../../../src/runtime/shim/launcher.js";
import { ShimClient, envBlock, shimArgs, type SpawnRequest } from "../../../../src/runtime/shim/shim-client.js";
import { parentOf } from "../../../helpers/node-state.js";
import { isAlive } from "../../../helpers/processes.js";
import { tempDir } from "../../helpers/temp-dir.js";

const repo = resolve(fileURLToPath(import.meta.url), "../../../../..");
const shimPath = join(repo, "native/build/aurae-shim");
before(() => execFileSync("sh", ["native/build.sh"], { cwd: repo, stdio: "inherit" }));

/** A logger that keeps what it is told. */
function recordingLog(): { lines: string[]; info: (o: object, m: string) => void; warn: (o: object, m: string) => void } {
  const lines: string[] = [];
  return { lines, info: (_o, m) => void lines.push(`info ${m}`), warn: (o, m) => void lines.push(`warn ${m} ${JSON.stringify(o)} ${(o as { err?: Error }).err?.message ?? ""}`) };
}

function useLauncher(t: TestContext): { launcher: Launcher; log: ReturnType<typeof recordingLog> } {
  const log = recordingLog();
  const launcher = new Launcher({ shimPath, shimCgroupDirs: [], log });
  t.after(() => launcher.close());
  return { launcher, log };
}

/** Kills a pid this test started, once the test is over. */
const killAfter = (t: TestContext, pid: number): void => t.after(() => void (isAlive(pid) && process.kill(pid, "SIGKILL")));

async function launchSleep(t: TestContext, launcher: Launcher, dir: string, env: Record<string, string> = {}): Promise<{ pid: number; shim: number }> {
  const req: SpawnRequest = { stateDir: join(dir, "state"), logDir: join(dir, "log"), argv: ["sleep", "600"], env, cwd: "/", cgroupDirs: [] };
  const { pid } = await launcher.launch(shimArgs(req), envBlock(req.env));
  killAfter(t, pid);
  const shim = (await parentOf(pid))!;
  killAfter(t, shim);
  return { pid, shim };
}

const cmdline = async (pid: number): Promise<string> => (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");

test("one launcher forks every shim; the environment reaches the workload and no command line", async (t) => {
  const { launcher } = useLauncher(t);
  const dir = await tempDir(t);
  const a = await launchSleep(t, launcher, join(dir, "a"), { SECRET: "s3cr3t-value" });
  const b = await launchSleep(t, launcher, join(dir, "b"));
  const parent = (await parentOf(a.shim))!;
  assert.equal(await parentOf(b.shim), parent, "the two shims have different parents");
  assert.match(await cmdline(parent), /aurae-shim --launcher/);
  assert.match(await cmdline(a.shim), /aurae-shim --report-id \d+ --state-dir /);
  for (const pid of [parent, a.shim, a.pid]) assert.doesNotMatch(await cmdline(pid), /s3cr3t/);
  assert.match(await readFile(`/proc/${a.pid}/environ`, "utf8"), /(^|\0)SECRET=s3cr3t-value\0/);
});

test("a shim lets go of the report pipe once it reported, and its workload holds no pipe of the launcher", async (t) => {
  const { launcher } = useLauncher(t);
  const { pid, shim } = await launchSleep(t, launcher, await tempDir(t));
  const links = async (p: number): Promise<Set<string>> => {
    const out = new Set<string>();
    for (const fd of await readdir(`/proc/${p}/fd`)) out.add(execFileSync("readlink", [`/proc/${p}/fd/${fd}`], { encoding: "utf8" }).trim());
    return out;
  };
  const launcherPid = (await parentOf(shim))!;
  const requestPipe = execFileSync("readlink", [`/proc/${launcherPid}/fd/0`], { encoding: "utf8" }).trim();
  const reportPipe = execFileSync("readlink", [`/proc/${launcherPid}/fd/1`], { encoding: "utf8" }).trim();
  // Node hands its children socketpairs for "pipe" stdio.
  assert.match(requestPipe, /^(pipe|socket):/);
  assert.match(reportPipe, /^(pipe|socket):/);
  for (const p of [shim, pid]) {
    const held = await links(p);
    for (const pipe of [requestPipe, reportPipe]) assert.ok(!held.has(pipe), `${p === shim ? "shim" : "workload"} ${p} holds ${pipe}`);
  }
});

test("a killed launcher is replaced on the next launch, and the shims it forked run on", async (t) => {
  const { launcher, log } = useLauncher(t);
  const dir = await tempDir(t);
  const first = await launchSleep(t, launcher, join(dir, "a"));
  const killed = (await parentOf(first.shim))!;
  process.kill(killed, "SIGKILL");
  while (existsSync(`/proc/${killed}`)) await new Promise((r) => setTimeout(r, 10)); // reaped, so its exit was seen
  const second = await launchSleep(t, launcher, join(dir, "b"));
  const replacement = (await parentOf(second.shim))!;
  assert.notEqual(replacement, killed);
  assert.match(await cmdline(replacement), /aurae-shim --launcher/);
  assert.ok(isAlive(first.shim) && isAlive(first.pid), "the first shim or its workload died with the launcher");
  assert.ok(log.lines.some((l) => l.startsWith("warn the shim launcher exited")), log.lines.join("\n"));
});

test("an aborted launch SIGKILLs the shim that has not reported and rejects as unavailable", async (t) => {
  const { launcher } = useLauncher(t);
  const dir = await tempDir(t);
  // The shim opens its --oom-events file before it reports; a FIFO nobody writes keeps it there.
  const fifo = join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  const req: SpawnRequest = { stateDir: join(dir, "state"), logDir: join(dir, "log"), argv: ["sleep", "600"], env: {}, cwd: "/", cgroupDirs: [], oomEventsFile: fifo };
  const giveUp = new AbortController();
  const launching = launcher.launch(shimArgs(req), undefined, giveUp.signal);
  const shim = await waitForShimOf(req.stateDir);
  killAfter(t, shim);
  giveUp.abort();
  await assert.rejects(launching, (err: unknown) => err instanceof AuraeError && err.kind === "unavailable" && /did not report before its deadline/.test(err.message));
  assert.equal(isAlive(shim), false, `shim ${shim} outlived the abort`);
});

test("a launcher that cannot start leaves the spawn to Node, and the log says so once", async (t) => {
  const dir = await tempDir(t);
  const fake = join(dir, "fake-shim");
  // As the launcher it fails; as a shim it reports a workload.
  await writeFile(fake, `#!/bin/sh\nif [ "$1" = --launcher ]; then echo "fail 13 move to the shims' cgroup: denied"; exit 1; fi\necho "ok 4242 5"\n`, { mode: 0o755 });
  const log = recordingLog();
  const client = new ShimClient(fake, { launcher: { log } });
  t.after(() => client.close());
  const req: SpawnRequest = { stateDir: dir, logDir: join(dir, "log"), argv: ["sh"], env: {}, cwd: "/", cgroupDirs: [] };
  assert.deepEqual(await client.spawn(req), { pid: 4242, startedAtUnixNano: 5n });
  assert.deepEqual(await client.spawn(req), { pid: 4242, startedAtUnixNano: 5n });
  const warned = log.lines.filter((l) => l.startsWith("warn the shim launcher could not start; shims are started directly"));
  assert.equal(warned.length, 1, log.lines.join("\n"));
  assert.match(warned[0]!, /denied/);
});

test("a launch the launcher cannot take is NotLaunched, so the client starts that shim itself", async (t) => {
  const { launcher } = useLauncher(t);
  await assert.rejects(launcher.launch(["--"], Buffer.alloc(8 * 1024 * 1024 + 1)), NotLaunched);
});

/** The pid of the shim running for `stateDir`, once it runs. */
async function waitForShimOf(stateDir: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const argv = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
      if (argv[0]?.endsWith("aurae-shim") && argv[argv.indexOf("--state-dir") + 1] === stateDir) return Number(entry);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no shim for ${stateDir}`);
}

test("a launch given up while the launcher gets ready rejects as unavailable and forks nothing", async (t) => {
  const dir = await tempDir(t);
  const fake = join(dir, "slow-launcher");
  // Ready only after a while; any request it then reads is recorded.
  await writeFile(fake, `#!/bin/sh\nsleep 0.3\necho ready\nexec cat > ${join(dir, "requests")}\n`, { mode: 0o755 });
  const log = recordingLog();
  const launcher = new Launcher({ shimPath: fake, shimCgroupDirs: [], log });
  t.after(() => launcher.close());
  const giveUp = new AbortController();
  const launching = launcher.launch(["--", "true"], undefined, giveUp.signal);
  giveUp.abort();
  await assert.rejects(launching, (err: unknown) => err instanceof AuraeError && err.kind === "unavailable" && /it was not started/.test(err.message));
  await launcher.close();
  assert.equal(await readFile(join(dir, "requests"), "utf8"), "");
});
