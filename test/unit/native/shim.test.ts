// Drives the real aurae-shim binary in temp dirs: the report lines, the state files, the CRI log and the cgroups
// it joins. Every test removes what it created (dirs, cgroups, processes) even when it fails.
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { before, test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const shimPath = path.join(repo, "native/build/aurae-shim");
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const CRI_MAX_LINE = 16384;
const MIB = 1 << 20;
const opts = { timeout: 30_000 };

before(() => execFileSync("sh", ["native/build.sh"], { cwd: repo, stdio: "inherit" }));

/** Runs the registered cleanups last-in first-out once the test ends, however it ends. */
function useCleanup(t: TestContext): (fn: () => unknown) => void {
  const stack: (() => unknown)[] = [];
  t.after(async () => {
    const errors: unknown[] = [];
    for (const fn of stack.reverse()) await Promise.resolve().then(fn).catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw new AggregateError(errors, "cleanup failed");
  });
  return (fn) => stack.push(fn);
}

function tempDir(defer: (fn: () => unknown) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aurae-shim-test-"));
  defer(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function uniqueName(prefix: string): string {
  return `aurae-test-${prefix}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
}

/** A cgroup made for one test; removed once its processes are gone (cleanups run after the shim's). */
function makeCgroup(defer: (fn: () => unknown) => void, hierarchy: string, name: string): string {
  const dir = path.join("/sys/fs/cgroup", hierarchy, name);
  fs.mkdirSync(dir);
  defer(() => removeCgroup(dir));
  return dir;
}

async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return fs.rmdirSync(dir);
    } catch (err) {
      // EBUSY while the kernel still tears down an exiting member.
      if ((err as NodeJS.ErrnoException).code !== "EBUSY" || attempt === 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function canUseCgroup(...hierarchies: string[]): boolean {
  return process.getuid?.() === 0 && hierarchies.every((h) => fs.existsSync(`/sys/fs/cgroup/${h}/cgroup.procs`));
}

interface ShimArgs {
  argv: string[];
  env?: string[];
  cwd?: string;
  cgroups?: string[];
  oomEvents?: string;
  log?: string;
  stateDir?: string;
}

interface LogRecord {
  time: string;
  stream: string;
  tag: string;
  content: Buffer;
}

class Shim {
  readonly lines: AsyncIterator<string>;
  readonly closed: Promise<number | null>;
  workloadPid: number | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly stateDir: string,
    readonly logPath: string,
  ) {
    this.lines = createInterface({ input: child.stdout!, crlfDelay: Infinity })[Symbol.asyncIterator]();
    this.closed = new Promise((resolve) => child.on("close", (code) => resolve(code)));
  }

  async nextLine(): Promise<string | undefined> {
    const next = await this.lines.next();
    return next.done ? undefined : next.value;
  }

  /** The `ok` line: the workload runs. */
  async started(): Promise<number> {
    const line = await this.nextLine();
    const m = line?.match(/^ok (\d+) (\d+)$/);
    assert.ok(m, `want an ok line, got ${JSON.stringify(line)}; shim.log: ${this.shimLog()}`);
    this.workloadPid = Number(m[1]);
    return this.workloadPid;
  }

  /** Every remaining report line, once the shim has exited. */
  async finish(): Promise<{ lines: string[]; code: number | null }> {
    const lines: string[] = [];
    for (let line = await this.nextLine(); line !== undefined; line = await this.nextLine()) lines.push(line);
    return { lines, code: await this.closed };
  }

  status(): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(this.stateDir, "status.json"), "utf8"));
  }

  shimLog(): string {
    return fs.readFileSync(path.join(this.stateDir, "shim.log"), "utf8");
  }

  records(): LogRecord[] {
    const data = fs.readFileSync(this.logPath);
    const records: LogRecord[] = [];
    for (let start = 0; start < data.length; ) {
      const end = data.indexOf(0x0a, start);
      assert.ok(end >= 0, "the log ends with a newline");
      records.push(parseRecord(data.subarray(start, end)));
      start = end + 1;
    }
    return records;
  }

  /** The content of each record of one stream, as text. */
  contents(stream: string): string[] {
    return this.records()
      .filter((r) => r.stream === stream)
      .map((r) => r.content.toString("latin1"));
  }
}

function parseRecord(line: Buffer): LogRecord {
  const head = line.subarray(0, 48).toString("latin1");
  const m = head.match(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([FP]) /);
  assert.ok(m, `CRI record header: ${JSON.stringify(head)}`);
  return { time: m[1]!, stream: m[2]!, tag: m[3]!, content: line.subarray(m[0].length) };
}

function shimArgs(a: ShimArgs & { stateDir: string; log: string }): string[] {
  const args = ["--state-dir", a.stateDir, "--log", a.log];
  for (const dir of a.cgroups ?? []) args.push("--cgroup", dir);
  if (a.oomEvents) args.push("--oom-events", a.oomEvents);
  if (a.cwd) args.push("--cwd", a.cwd);
  for (const kv of a.env ?? []) args.push("--env", kv);
  return [...args, "--", ...a.argv];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the shim as the daemon does: stdout a pipe, stderr an append-mode shim.log, detached. */
function startShim(defer: (fn: () => unknown) => void, args: ShimArgs): Shim {
  const stateDir = args.stateDir ?? tempDir(defer);
  const log = args.log ?? path.join(stateDir, "workload.log");
  const shimLog = fs.openSync(path.join(stateDir, "shim.log"), "a");
  const child = spawn(shimPath, shimArgs({ ...args, stateDir, log }), {
    detached: true,
    stdio: ["ignore", "pipe", shimLog],
  });
  fs.closeSync(shimLog);
  const shim = new Shim(child, stateDir, log);
  defer(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // The workload is not reaped while the shim runs without a status, so its pid (and process group) is still ours.
    const pid = shim.workloadPid;
    if (pid !== undefined && !fs.existsSync(path.join(stateDir, "status.json")) && isAlive(pid)) process.kill(-pid, "SIGKILL");
    child.kill("SIGKILL");
    await shim.closed;
  });
  return shim;
}

/** Runs a workload to the end; asserts the ok / exited report and returns the shim for its files. */
async function runToExit(t: TestContext, args: ShimArgs): Promise<Shim> {
  const shim = startShim(useCleanup(t), args);
  const pid = await shim.started();
  const { lines, code } = await shim.finish();
  assert.deepEqual(lines, ["exited"]);
  assert.equal(code, 0);
  assert.equal(shim.status().pid, pid);
  return shim;
}

/** Runs a workload that must not start; returns the err line. */
async function runToError(t: TestContext, args: ShimArgs): Promise<{ errno: number; message: string; shim: Shim }> {
  const shim = startShim(useCleanup(t), args);
  const { lines, code } = await shim.finish();
  assert.equal(code, 1);
  assert.equal(lines.length, 1, `one report line: ${JSON.stringify(lines)}`);
  const m = lines[0]!.match(/^err (\d+) (.*)$/);
  assert.ok(m, `want an err line, got ${JSON.stringify(lines[0])}`);
  assert.equal(fs.existsSync(path.join(shim.stateDir, "status.json")), false, "no status after err");
  assert.equal(fs.existsSync(path.join(shim.stateDir, "pid")), false, "no pid file after err");
  return { errno: Number(m[1]), message: m[2]!, shim };
}

test("reports ok with the pid, writes the pid file and a status with exit code 0", opts, async (t) => {
  const before = BigInt(Date.now()) * 1_000_000n;
  const shim = startShim(useCleanup(t), { argv: ["/bin/sh", "-c", "exit 0"] });
  const line = await shim.nextLine();
  const m = line?.match(/^ok (\d+) (\d+)$/);
  assert.ok(m, `ok line: ${JSON.stringify(line)}`);
  const pid = Number(m[1]);
  assert.equal(fs.readFileSync(path.join(shim.stateDir, "pid"), "utf8").trim(), String(pid));
  assert.deepEqual(await shim.finish(), { lines: ["exited"], code: 0 });
  const status = shim.status();
  assert.deepEqual(Object.keys(status), [
    "pid",
    "startedAtUnixNano",
    "exitedAtUnixNano",
    "exitCode",
    "signal",
    "oomKilled",
    "logClosed",
  ]);
  assert.deepEqual(
    { ...status, startedAtUnixNano: undefined, exitedAtUnixNano: undefined },
    { pid, startedAtUnixNano: undefined, exitedAtUnixNano: undefined, exitCode: 0, signal: null, oomKilled: false, logClosed: true },
  );
  const started = BigInt(status.startedAtUnixNano as string);
  assert.equal(started, BigInt(m[2]!));
  assert.ok(started >= before - 1_000_000_000n && started <= BigInt(status.exitedAtUnixNano as string));
  assert.deepEqual(fs.readdirSync(shim.stateDir).sort(), ["pid", "shim.log", "status.json", "workload.log"]);
});

test("records exit code 3", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", "exit 3"] });
  assert.equal(shim.status().exitCode, 3);
  assert.equal(shim.status().signal, null);
});

test("records the signal that killed the workload", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", "kill -TERM $$"] });
  assert.equal(shim.status().exitCode, null);
  assert.equal(shim.status().signal, 15);
  assert.equal(shim.status().oomKilled, false);
});

test("exec of a missing path reports ENOENT naming the path", opts, async (t) => {
  const { errno, message } = await runToError(t, { argv: ["/no/such/bin", "arg"] });
  assert.equal(errno, os.constants.errno.ENOENT);
  assert.equal(message, "exec /no/such/bin: No such file or directory");
});

test("a bare name not in PATH reports ENOENT naming the name", opts, async (t) => {
  const { errno, message } = await runToError(t, { argv: ["nosuchprog-aurae"] });
  assert.equal(errno, os.constants.errno.ENOENT);
  assert.match(message, /^exec "nosuchprog-aurae": not found in PATH /);
});

test("a bare name found only without execute permission reports EACCES", opts, async (t) => {
  const defer = useCleanup(t);
  const bin = tempDir(defer);
  fs.writeFileSync(path.join(bin, "noexec"), "#!/bin/sh\n", { mode: 0o644 });
  const { errno, message } = await runToError(t, { argv: ["noexec"], env: [`PATH=/nonexistent:${bin}`] });
  assert.equal(errno, os.constants.errno.EACCES);
  assert.match(message, /"noexec"/);
});

test("a missing --cwd is reported and nothing runs", opts, async (t) => {
  const { errno, message } = await runToError(t, { argv: ["true"], cwd: "/nope-aurae" });
  assert.equal(errno, os.constants.errno.ENOENT);
  assert.equal(message, "chdir /nope-aurae: No such file or directory");
});

test("bad arguments are reported as EINVAL", opts, async (t) => {
  const relative = await runToError(t, { argv: ["true"], cwd: "relative/dir" });
  assert.equal(relative.errno, os.constants.errno.EINVAL);
  assert.match(relative.message, /--cwd relative\/dir: must be an absolute path/);
  const noCommand = await runToError(t, { argv: [] });
  assert.equal(noCommand.errno, os.constants.errno.EINVAL);
  const badEnv = await runToError(t, { argv: ["true"], env: ["NOEQUALS"] });
  assert.equal(badEnv.errno, os.constants.errno.EINVAL);
  assert.match(badEnv.message, /--env NOEQUALS/);
});

test("a bare name is found in PATH and the workload runs in --cwd", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["echo", "hello"] });
  assert.deepEqual(shim.contents("stdout"), ["hello"]);
  const inTmp = await runToExit(t, { argv: ["pwd"], cwd: os.tmpdir() });
  assert.deepEqual(inTmp.contents("stdout"), [fs.realpathSync(os.tmpdir())]);
});

test("the environment is exactly --env plus the default PATH", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["/usr/bin/env"], env: ["A=1", "B=two words", "EMPTY="] });
  assert.deepEqual(shim.contents("stdout").sort(), ["A=1", "B=two words", "EMPTY=", `PATH=${DEFAULT_PATH}`]);
  const own = await runToExit(t, { argv: ["env"], env: ["PATH=/bin:/usr/bin"] });
  assert.deepEqual(own.contents("stdout"), ["PATH=/bin:/usr/bin"]);
});

test("the workload has its own session, /dev/null stdin, default signals and only fds 0-2", opts, async (t) => {
  const script = [
    'read -r line && echo "stdin: $line"',
    'echo "session: $(cut -d" " -f6 /proc/$$/stat)"',
    "ls /proc/$$/fd", // no pipeline: the shell would hold the pipe while ls looks
  ].join("; ");
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", script] });
  assert.deepEqual(shim.contents("stdout"), [`session: ${shim.status().pid}`, "0", "1", "2"]);
  // Read by the workload itself: a shell would show its own mask while it forks.
  const signals = await runToExit(t, { argv: ["grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"] });
  assert.deepEqual(signals.contents("stdout"), ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"]);
});

test("stdout and stderr lines become CRI records", opts, async (t) => {
  const before = Date.now();
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", "echo out1; echo err1 >&2; echo; echo 'out 2 '"] });
  const records = shim.records();
  assert.equal(records.length, 4);
  assert.ok(records.every((r) => r.tag === "F"));
  for (const r of records) {
    const ms = Date.parse(r.time);
    assert.ok(ms >= before - 1000 && ms <= Date.now() + 1000, `timestamp ${r.time} is now`);
  }
  // Order across the two streams is not defined; within one it is.
  assert.deepEqual(shim.contents("stdout"), ["out1", "", "out 2 "]);
  assert.deepEqual(shim.contents("stderr"), ["err1"]);
  const first = fs.readFileSync(shim.logPath, "latin1").split("\n")[0]!;
  assert.match(first, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F out1$/);
});

test("content bytes are copied as they are", opts, async (t) => {
  const defer = useCleanup(t);
  const dir = tempDir(defer);
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((b) => b !== 0x0a));
  fs.writeFileSync(path.join(dir, "bytes"), Buffer.concat([bytes, Buffer.from("\n")]));
  const shim = await runToExit(t, { argv: ["cat", path.join(dir, "bytes")] });
  const records = shim.records();
  assert.equal(records.length, 1);
  assert.deepEqual(records[0]!.content, bytes);
});

test("a line longer than 16 KiB is split into P records, then F", opts, async (t) => {
  const shim = await runToExit(t, {
    argv: ["/bin/sh", "-c", `head -c 40000 /dev/zero | tr '\\0' a; echo; head -c ${CRI_MAX_LINE} /dev/zero | tr '\\0' b; echo`],
  });
  const records = shim.records();
  assert.deepEqual(
    records.map((r) => [r.tag, r.content.length]),
    [
      ["P", CRI_MAX_LINE],
      ["P", CRI_MAX_LINE],
      ["F", 40000 - 2 * CRI_MAX_LINE],
      ["F", CRI_MAX_LINE], // exactly 16 KiB is still one full line
    ],
  );
  assert.equal(Buffer.concat(records.slice(0, 3).map((r) => r.content)).toString(), "a".repeat(40000));
});

test("a last line without a newline is delivered as F", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", "echo first; printf 'no newline'; printf 'err tail' >&2"] });
  assert.deepEqual(shim.contents("stdout"), ["first", "no newline"]);
  assert.deepEqual(shim.contents("stderr"), ["err tail"]);
  assert.ok(shim.records().every((r) => r.tag === "F"));
});

test("10,000 lines are all present in order", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["seq", "1", "10000"] });
  const expected = Array.from({ length: 10000 }, (_, i) => String(i + 1));
  assert.deepEqual(shim.contents("stdout"), expected);
});

test("copies well over 200k lines/s", opts, async (t) => {
  const started = process.hrtime.bigint();
  const shim = await runToExit(t, { argv: ["seq", "1", "1000000"] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = shim.contents("stdout");
  assert.equal(lines.length, 1_000_000);
  assert.equal(lines.at(-1), "1000000");
  assert.ok(1_000_000 / seconds > 200_000, `${Math.round(1_000_000 / seconds)} lines/s`);
});

test("the status is written at exit; logClosed once descendants close the pipes", opts, async (t) => {
  const shim = startShim(useCleanup(t), { argv: ["/bin/sh", "-c", "echo parent; (sleep 1; echo child) & exit 0"] });
  await shim.started();
  assert.equal(await shim.nextLine(), "exited");
  const atExit = shim.status();
  assert.equal(atExit.exitCode, 0);
  assert.equal(atExit.logClosed, false);
  assert.deepEqual(shim.contents("stdout"), ["parent"]);
  assert.deepEqual(await shim.finish(), { lines: [], code: 0 });
  assert.equal(shim.status().logClosed, true);
  assert.deepEqual(shim.status().exitedAtUnixNano, atExit.exitedAtUnixNano);
  assert.deepEqual(shim.contents("stdout"), ["parent", "child"]);
});

test("the shim outlives a daemon that stops reading the report pipe", opts, async (t) => {
  const shim = startShim(useCleanup(t), { argv: ["/bin/sh", "-c", "sleep 0.3; echo late; exit 4"] });
  await shim.started();
  shim.child.stdout!.destroy(); // later report lines hit EPIPE
  assert.equal(await shim.closed, 0);
  assert.equal(shim.status().exitCode, 4);
  assert.equal(shim.status().logClosed, true);
  assert.deepEqual(shim.contents("stdout"), ["late"]);
});

test("the exit status is recorded even when the log file cannot be written", opts, async (t) => {
  const shim = startShim(useCleanup(t), { argv: ["/bin/sh", "-c", "echo lost; exit 5"], log: "/dev/full" });
  await shim.started();
  assert.deepEqual(await shim.finish(), { lines: ["exited"], code: 0 });
  assert.equal(shim.status().exitCode, 5);
  assert.match(shim.shimLog(), /write log \/dev\/full: No space left on device/);
});

test("the workload joins its v1 and v2 cgroups before exec", opts, async (t) => {
  if (!canUseCgroup("pids", "unified")) return t.skip("needs root and /sys/fs/cgroup/{pids,unified}");
  const defer = useCleanup(t);
  const name = uniqueName("join");
  const cgroups = [makeCgroup(defer, "pids", name), makeCgroup(defer, "unified", name)];
  const shim = startShim(defer, { argv: ["sleep", "30"], cgroups });
  const pid = await shim.started();
  const membership = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  assert.ok(membership.some((l) => /^\d+:pids:/.test(l) && l.endsWith(`/${name}`)), membership.join("\n"));
  assert.ok(membership.includes(`0::/${name}`), membership.join("\n"));
  assert.ok(fs.readFileSync(path.join(cgroups[0]!, "cgroup.procs"), "utf8").split("\n").includes(String(pid)));
  process.kill(pid, "SIGKILL");
  assert.deepEqual(await shim.finish(), { lines: ["exited"], code: 0 });
  assert.equal(shim.status().signal, 9);
  assert.equal(shim.status().oomKilled, false);
});

test("a cgroup that cannot be joined is reported naming its file", opts, async (t) => {
  const missing = `/sys/fs/cgroup/pids/${uniqueName("missing")}`;
  const { errno, message } = await runToError(t, { argv: ["true"], cgroups: [missing] });
  assert.equal(errno, os.constants.errno.ENOENT);
  assert.equal(message, `join cgroup: open ${missing}/cgroup.procs: No such file or directory`);
});

async function runInMemoryCgroup(t: TestContext, argv: string[], killIt: boolean): Promise<Shim> {
  const defer = useCleanup(t);
  const cgroup = makeCgroup(defer, "memory", uniqueName("oom"));
  fs.writeFileSync(path.join(cgroup, "memory.limit_in_bytes"), String(32 * MIB));
  // With swap accounting the workload would swap rather than be killed.
  const memsw = path.join(cgroup, "memory.memsw.limit_in_bytes");
  if (fs.existsSync(memsw)) fs.writeFileSync(memsw, String(32 * MIB));
  const shim = startShim(defer, { argv, cgroups: [cgroup], oomEvents: path.join(cgroup, "memory.oom_control") });
  const pid = await shim.started();
  if (killIt) process.kill(pid, "SIGKILL");
  assert.deepEqual(await shim.finish(), { lines: ["exited"], code: 0 });
  return shim;
}

test("a workload killed by the OOM killer is recorded as oomKilled", opts, async (t) => {
  if (!canUseCgroup("memory")) return t.skip("needs root and /sys/fs/cgroup/memory");
  // tail keeps every byte of a file without newlines: it grows until the 32 MiB limit kills it.
  const shim = await runInMemoryCgroup(t, ["tail", "/dev/zero"], false);
  assert.equal(shim.status().signal, 9);
  assert.equal(shim.status().exitCode, null);
  assert.equal(shim.status().oomKilled, true);
});

test("a SIGKILL that is not the OOM killer's is not oomKilled", opts, async (t) => {
  if (!canUseCgroup("memory")) return t.skip("needs root and /sys/fs/cgroup/memory");
  const shim = await runInMemoryCgroup(t, ["sleep", "30"], true);
  assert.equal(shim.status().signal, 9);
  assert.equal(shim.status().oomKilled, false);
});
