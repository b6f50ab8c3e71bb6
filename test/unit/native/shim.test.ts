// Drives the real aurae-shim binary in temp dirs: the report lines, the state files, the CRI log and the cgroups
// it joins. Every test removes what it created (dirs, cgroups, processes) even when it fails.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test, type TestContext } from "node:test";
import {
  buildShim,
  canUseCgroup,
  makeCgroup,
  opts,
  runToError,
  runToExit,
  startShim,
  tempDir,
  uniqueName,
  useCleanup,
  type Shim,
} from "./shim-harness.js";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const CRI_MAX_LINE = 16384;
const MIB = 1 << 20;

before(buildShim);

test("reports ok with the pid, writes the pid files (its own and the workload's) and a status with exit code 0", opts, async (t) => {
  const before = BigInt(Date.now()) * 1_000_000n;
  const shim = startShim(useCleanup(t), { argv: ["/bin/sh", "-c", "exit 0"] });
  const line = await shim.nextLine();
  const m = line?.match(/^ok (\d+) (\d+)$/);
  assert.ok(m, `ok line: ${JSON.stringify(line)}`);
  const pid = Number(m[1]);
  assert.equal(fs.readFileSync(path.join(shim.stateDir, "pid"), "utf8").trim(), String(pid));
  assert.equal(fs.readFileSync(path.join(shim.stateDir, "shim.pid"), "utf8").trim(), String(shim.child.pid));
  assert.deepEqual(await shim.finish(), { lines: ["exited"], code: 0 });
  const status = shim.status();
  assert.deepEqual(Object.keys(status), [
    "pid",
    "startedAtUnixNano",
    "exitedAtUnixNano",
    "exitCode",
    "signal",
    "oomKilled",
    "cpuUserUs",
    "cpuSystemUs",
    "logClosed",
  ]);
  assert.ok(Number.isInteger(status.cpuUserUs) && Number.isInteger(status.cpuSystemUs));
  const times = { startedAtUnixNano: undefined, exitedAtUnixNano: undefined, cpuUserUs: undefined, cpuSystemUs: undefined };
  assert.deepEqual(
    { ...status, ...times },
    { pid, ...times, exitCode: 0, signal: null, oomKilled: false, logClosed: true },
  );
  const started = BigInt(status.startedAtUnixNano as string);
  assert.equal(started, BigInt(m[2]!));
  assert.ok(started >= before - 1_000_000_000n && started <= BigInt(status.exitedAtUnixNano as string));
  assert.deepEqual(fs.readdirSync(shim.stateDir).sort(), ["log", "pid", "shim.log", "shim.pid", "status.json"]);
  assert.deepEqual(fs.readdirSync(shim.logDir), ["00000000000000000000.log"]);
  assert.equal(fs.statSync(shim.logDir).mode & 0o777, 0o750 & ~process.umask());
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
  assert.match(badEnv.message, /environment entry "NOEQUALS": want NAME=VALUE/);
});

test("the environment is read from --env-fd, so it never shows in the shim's command line", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", 'echo "$SECRET"; tr "\\0" " " < /proc/$PPID/cmdline'], env: ["SECRET=s3cr3t-value"] });
  const [secret, shimCommandLine] = shim.contents("stdout");
  assert.equal(secret, "s3cr3t-value");
  assert.match(shimCommandLine!, /--env-fd 3/);
  assert.doesNotMatch(shimCommandLine!, /s3cr3t/);
});

test("a bare name is found in PATH and the workload runs in --cwd", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["echo", "hello"] });
  assert.deepEqual(shim.contents("stdout"), ["hello"]);
  const inTmp = await runToExit(t, { argv: ["pwd"], cwd: os.tmpdir() });
  assert.deepEqual(inTmp.contents("stdout"), [fs.realpathSync(os.tmpdir())]);
});

test("the environment is exactly what --env-fd gave plus the default PATH", opts, async (t) => {
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
  const shim = await runToExit(t, { argv: ["/bin/sh", "-c", script], env: ["A=1"] });
  assert.deepEqual(shim.contents("stdout"), [`session: ${shim.status().pid}`, "0", "1", "2"], "no --env-fd left open");
  // Read by the workload itself: a shell would show its own mask while it forks.
  const signals = await runToExit(t, { argv: ["grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"] });
  assert.deepEqual(signals.contents("stdout"), ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"]);
});

test("--stdin closed leaves fd 0 closed in the workload; the default and --stdin null make it /dev/null", opts, async (t) => {
  // The shell's own fds: ls would open its directory on a free fd 0.
  const script = "ls /proc/$$/fd; readlink /proc/$$/fd/0 || echo no-stdin";
  const closed = await runToExit(t, { argv: ["/bin/sh", "-c", script], flags: ["--stdin", "closed"] });
  assert.deepEqual(closed.contents("stdout"), ["1", "2", "no-stdin"]);
  for (const flags of [[], ["--stdin", "null"]]) {
    const shim = await runToExit(t, { argv: ["/bin/sh", "-c", script], flags });
    assert.deepEqual(shim.contents("stdout"), ["0", "1", "2", "/dev/null"]);
  }
});

test("records the CPU time of the workload and the children it reaped, not the time it slept", opts, async (t) => {
  // The shell reaps python, which burns 0.3 s of CPU however busy the machine is (its own clock, not the wall's), so
  // its time is in what wait4 reports for the shell.
  const burn = "import time; end = time.process_time() + 0.3\nwhile time.process_time() < end: pass";
  const busy = await runToExit(t, { argv: ["sh", "-c", `python3 -c '${burn}'; exit 3`] });
  const cpu = (s: Shim): number => (s.status().cpuUserUs as number) + (s.status().cpuSystemUs as number);
  assert.equal(busy.status().exitCode, 3);
  assert.ok(cpu(busy) >= 280_000, `busy for 0.3 s of CPU: ${JSON.stringify(busy.status())}`);
  const idle = await runToExit(t, { argv: ["sleep", "0.3"] });
  assert.ok(cpu(idle) < 100_000, `asleep for 0.3 s: ${JSON.stringify(idle.status())}`);
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
  const first = fs.readFileSync(path.join(shim.logDir, "00000000000000000000.log"), "latin1").split("\n")[0]!;
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

// Loosely: 1,000,000 lines in 5 s is the 200k lines/s the shim must keep. Real timings belong in a benchmark.
test("copies 1,000,000 lines through 40-odd rotations within 15 s, every line kept", opts, async (t) => {
  const started = process.hrtime.bigint();
  const flags = ["--log-max-bytes", String(MIB), "--log-max-files", "1000"];
  const shim = await runToExit(t, { argv: ["seq", "1", "1000000"], flags });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.ok(seconds < 15, `${Math.round(1_000_000 / seconds)} lines/s`);
  assert.ok(shim.segments().length > 40, `${shim.segments().length} segments`);
  const lines = shim.contents("stdout");
  assert.equal(lines.length, 1_000_000);
  assert.ok(lines.every((line, i) => line === String(i + 1)));
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

test("the exit status is recorded even when the log cannot be written", opts, async (t) => {
  const defer = useCleanup(t);
  const logDir = tempDir(defer);
  fs.symlinkSync("/dev/full", path.join(logDir, "00000000000000000000.log")); // the newest segment: appended to
  const shim = startShim(defer, { argv: ["/bin/sh", "-c", "echo lost; exit 5"], logDir });
  await shim.started();
  assert.deepEqual(await shim.finish(), { lines: ["exited"], code: 0 });
  assert.equal(shim.status().exitCode, 5);
  assert.match(shim.shimLog(), new RegExp(`write log ${logDir}/00000000000000000000.log: No space left on device`));
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

test("the workload joins every v1 hierarchy and the unified one (cloned into it) before exec", opts, async (t) => {
  const hierarchies = ["blkio", "cpu", "cpuacct", "cpuset", "memory", "pids", "unified"];
  if (!canUseCgroup(...hierarchies)) return t.skip(`needs root and /sys/fs/cgroup/{${hierarchies.join(",")}}`);
  const defer = useCleanup(t);
  const name = uniqueName("join-all");
  const cgroups = hierarchies.map((h) => makeCgroup(defer, h, name));
  for (const file of ["cpuset.cpus", "cpuset.mems"]) // an empty v1 cpuset takes no task
    fs.writeFileSync(path.join(cgroups[3]!, file), fs.readFileSync(path.join("/sys/fs/cgroup/cpuset", file)));
  const shim = startShim(defer, { argv: ["sleep", "30"], cgroups });
  const pid = await shim.started();
  for (const dir of cgroups) assert.ok(fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").includes(String(pid)), dir);
  process.kill(pid, "SIGKILL");
  assert.deepEqual(await shim.finish(), { lines: ["exited"], code: 0 });
});

test("a cgroup that cannot be joined is reported naming it", opts, async (t) => {
  const missing = `/sys/fs/cgroup/pids/${uniqueName("missing")}`;
  const { errno, message } = await runToError(t, { argv: ["true"], cgroups: [missing] });
  assert.equal(errno, os.constants.errno.ENOENT);
  assert.equal(message, `join cgroup: statfs ${missing}: No such file or directory`);
});

test("makes its state directory and the missing ones above it, 0700, with its shim.log inside", opts, async (t) => {
  const defer = useCleanup(t);
  const root = tempDir(defer);
  const stateDir = path.join(root, "a", "b", "runs", "0");
  const shim = startShim(defer, { argv: ["true"], stateDir, logDir: path.join(root, "a", "b", "log") });
  await shim.started();
  assert.deepEqual(await shim.finish(), { lines: ["exited"], code: 0 });
  for (const dir of [path.join(root, "a"), path.join(root, "a", "b", "runs"), stateDir])
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700, dir);
  assert.ok(fs.existsSync(path.join(stateDir, "shim.log")));
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
