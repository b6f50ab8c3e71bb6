import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { AuraeError } from "../../../../src/errors.js";
import { ShimClient, envBlock, shimArgs, type SpawnRequest } from "../../../../src/runtime/shim/shim-client.js";
import { readShimStatus, type ShimStatus } from "../../../../src/runtime/shim/shim-status.js";
import { isAlive } from "../../../helpers/processes.js";
import { tempDir } from "../../helpers/temp-dir.js";

const repo = resolve(fileURLToPath(import.meta.url), "../../../../..");
const shimPath = join(repo, "native/build/aurae-shim");
const base: SpawnRequest = { stateDir: "/run/x", logDir: "/run/x/log", argv: ["sh"], env: {}, cwd: "/", cgroupDirs: [] };
const head = ["--state-dir", "/run/x", "--log-dir", "/run/x/log", "--cwd", "/"];

test("a request without the optional fields gives the command line the shim always had", () => {
  const req = { ...base, env: { A: "1" }, cgroupDirs: ["/sys/fs/cgroup/pids/c"], oomEventsFile: "/x/memory.oom_control" };
  assert.deepEqual(shimArgs(req), [
    ...head,
    ...["--cgroup", "/sys/fs/cgroup/pids/c", "--oom-events", "/x/memory.oom_control", "--env-fd", "3", "--", "sh"],
  ]);
});

test("the environment goes through fd 3, never the command line: NAME=VALUE entries each ended by a NUL", () => {
  assert.ok(!shimArgs({ ...base, env: { SECRET: "s3cr3t" } }).some((arg) => arg.includes("s3cr3t")));
  assert.deepEqual(envBlock({ A: "1", B: "two words" }), Buffer.from("A=1\0B=two words\0"));
  assert.equal(envBlock({}), undefined);
  assert.ok(!shimArgs({ ...base, env: {} }).includes("--env-fd"));
});

test("the log's rotation limits become --log-max-bytes and --log-max-files, left out when not given", () => {
  assert.deepEqual(shimArgs({ ...base, logMaxBytes: 1 << 20, logMaxFiles: 3 }).slice(0, 8), [
    ...["--state-dir", "/run/x", "--log-dir", "/run/x/log", "--log-max-bytes", "1048576", "--log-max-files", "3"],
  ]);
  assert.deepEqual(shimArgs({ ...base, logMaxFiles: 1 }).slice(4, 6), ["--log-max-files", "1"]);
});

for (const [field, bad, message] of [
  ["logMaxBytes", { logMaxBytes: 4095 }, "logMaxBytes: must be a whole number of at least 4096, got 4095"],
  ["logMaxBytes", { logMaxBytes: 5000.5 }, "logMaxBytes: must be a whole number of at least 4096, got 5000.5"],
  ["logMaxFiles", { logMaxFiles: 0 }, "logMaxFiles: must be a whole number of at least 1, got 0"],
] as const) {
  test(`refuses ${JSON.stringify(bad)} before starting anything, naming ${field}`, () => {
    assert.throws(() => shimArgs({ ...base, ...bad }), { name: "AuraeError", kind: "invalid", field, message });
  });
}

test("credentials, umask, rlimits and stdin become flags; an undefined limit is unlimited", () => {
  const req: SpawnRequest = {
    ...base,
    user: { uid: 65534, gid: 65533, groups: [] },
    umask: 0o27,
    rlimits: [{ resource: "nofile", soft: 64n, hard: 128n }, { resource: "core" }, { resource: "stack", soft: 8n << 20n }],
    stdin: "closed",
  };
  assert.deepEqual(shimArgs(req), [
    ...head,
    ...["--user", "65534", "--group", "65533", "--groups", ""],
    ...["--umask", "027", "--rlimit", "nofile=64:128", "--rlimit", "core=unlimited:unlimited"],
    ...["--rlimit", "stack=8388608:unlimited", "--stdin", "closed", "--", "sh"],
  ]);
  assert.deepEqual(shimArgs({ ...req, user: { uid: 1, gid: 2, groups: [3, 4] } }).slice(6, 12), [
    ...["--user", "1", "--group", "2", "--groups", "3,4"],
  ]);
});

test("a cell's init gets --unshare, --cell-init and its hostname, and no command", () => {
  const req: SpawnRequest = { ...base, argv: [], unshare: ["pid", "mnt", "net"], cellInit: { hostname: "cell-x" } };
  assert.deepEqual(shimArgs(req), [...head, "--unshare", "pid,mnt,net", "--cell-init", "--hostname", "cell-x"]);
  assert.deepEqual(shimArgs({ ...req, cellInit: {} }).slice(-1), ["--cell-init"]);
});

test("a workload joining a cell gets --join-ns with the reaper's pid and the namespaces the cell isolates", () => {
  const req: SpawnRequest = { ...base, joinNamespacesOf: { pid: 4242, isolated: ["pid", "mnt"] }, unshare: ["cgroup"] };
  assert.deepEqual(shimArgs(req), [...head, "--join-ns", "4242:pid,mnt", "--unshare", "cgroup", "--", "sh"]);
});

test("refuses a cell's init with a command, naming argv", () => {
  assert.throws(() => shimArgs({ ...base, cellInit: {} }), {
    name: "AuraeError",
    kind: "invalid",
    message: 'argv: must be empty for a cell\'s init, got ["sh"]',
  });
});

const isRoot = process.getuid?.() === 0;
before(() => {
  if (isRoot) execFileSync("sh", ["native/build.sh"], { cwd: repo, stdio: "inherit" });
});

test("ShimClient starts a cell's reaper and a workload that joins it, the flags as the shim reads them", { timeout: 30_000 }, async (t) => {
  if (!isRoot) return t.skip("needs root to make namespaces");
  let cellPid: number | undefined;
  // Registered before the temp dir, so it runs first: the reaper's exit ends everything in its pid namespace.
  t.after(() => cellPid !== undefined && killUnlessRecorded(cellPid, join(dir, "init")));
  const dir = await tempDir(t, "aurae-shim-client-");
  const client = new ShimClient(shimPath);
  const init = { stateDir: join(dir, "init"), logDir: join(dir, "init-log"), argv: [] };
  cellPid = (await client.spawn({ ...base, ...init, unshare: ["pid", "mnt", "uts"], cellInit: { hostname: "cell-client" } })).pid;
  const joined = await client.spawn({
    ...base,
    ...{ stateDir: join(dir, "joined"), logDir: join(dir, "joined-log"), logMaxBytes: 4096, logMaxFiles: 2 },
    argv: ["sh", "-c", "echo $$ $(hostname) $(umask) $(id -u)"],
    joinNamespacesOf: { pid: cellPid, isolated: ["pid", "mnt", "uts"] },
    umask: 0o077,
    user: { uid: 65534, gid: 65534, groups: [] },
  });
  const status = await waitForStatus(join(dir, "joined"));
  assert.equal(status.pid, joined.pid);
  assert.equal(status.exitCode, 0);
  assert.deepEqual(await readdir(join(dir, "joined-log")), ["00000000000000000000.log"]);
  assert.match(await readFile(join(dir, "joined-log", "00000000000000000000.log"), "utf8"), / stdout F 2 cell-client 0077 65534\n$/);
  process.kill(cellPid, "SIGTERM");
  assert.equal((await waitForStatus(init.stateDir)).exitCode, 0);
});

/** The shim reaps its workload only just before it writes the status: until then the pid is still the workload's. */
function killUnlessRecorded(pid: number, stateDir: string): void {
  if (existsSync(join(stateDir, "status.json"))) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone already.
  }
}

/** The status once the log is complete too (the second write). */
async function waitForStatus(stateDir: string): Promise<ShimStatus> {
  for (;;) {
    const status = await readShimStatus(stateDir);
    if (status?.logClosed) return status;
    await new Promise((done) => setTimeout(done, 20));
  }
}

test("a spawn whose caller gives up (its deadline) kills the shim and rejects as unavailable", async (t) => {
  const dir = await tempDir(t);
  // A "shim" that never reports, as one whose workload was cloned into a frozen cgroup: it records its pid and waits.
  const fake = join(dir, "hung-shim");
  await writeFile(fake, `#!/bin/sh\necho $$ > ${join(dir, "pid")}\nexec sleep 600\n`, { mode: 0o755 });
  const client = new ShimClient(fake, { shimCgroupDirs: ["/nonexistent/aurae.shims"] });
  const giveUp = new AbortController();
  const spawning = client.spawn({ ...base, stateDir: dir, logDir: join(dir, "log") }, giveUp.signal);
  let pid = 0;
  for (let i = 0; pid === 0; i++) {
    assert.ok(i < 500, "the fake shim never started");
    pid = Number(await readFile(join(dir, "pid"), "utf8").catch(() => "0")) || 0;
    await new Promise((r) => setTimeout(r, 10));
  }
  t.after(() => void (isAlive(pid) && process.kill(pid, "SIGKILL")));
  giveUp.abort();
  await assert.rejects(spawning, (err: unknown) => err instanceof AuraeError && err.kind === "unavailable" && /did not report before its deadline/.test(err.message));
  for (let i = 0; isAlive(pid); i++) {
    assert.ok(i < 500, `the shim ${pid} outlived the abort`);
    await new Promise((r) => setTimeout(r, 10));
  }
});

test("every shim is told to move into the shims' cgroup first (--shim-cgroup, one per hierarchy)", async (t) => {
  const dir = await tempDir(t);
  const fake = join(dir, "args-shim");
  await writeFile(fake, `#!/bin/sh\necho "$@" > ${join(dir, "args")}\necho "ok 1 2"\n`, { mode: 0o755 });
  const client = new ShimClient(fake, { shimCgroupDirs: ["/cg/pids/aurae/aurae.shims", "/cg/unified/aurae/aurae.shims"] });
  await client.spawn({ ...base, stateDir: dir, logDir: join(dir, "log") });
  const args = (await readFile(join(dir, "args"), "utf8")).trim();
  assert.ok(args.startsWith("--shim-cgroup /cg/pids/aurae/aurae.shims --shim-cgroup /cg/unified/aurae/aurae.shims --state-dir"), args);
});
