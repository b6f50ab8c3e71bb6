// The shim's cells, against the real binary and kernel: --cell-init runs a reaper as pid 1 of new namespaces,
// --join-ns puts a workload into them, --unshare cgroup gives an executable its own cgroup root. Every test kills
// the reapers it started (which ends everything in their pid namespaces) and removes its dirs, even on failure.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { before, test, type TestContext } from "node:test";
import {
  buildShim,
  canUseCgroup,
  isAlive,
  makeCgroup,
  opts,
  runToError,
  runToExit,
  startShim,
  uniqueName,
  useCleanup,
  type Defer,
  type Shim,
} from "./shim-harness.js";

const { EINVAL, ENOENT, EPERM, ESRCH } = os.constants.errno;
const NAMESPACES = ["pid", "mnt", "uts", "net", "ipc"];
const isRoot = process.getuid?.() === 0;
/** --join-ns as the daemon gives it: the reaper's pid and the namespaces its cell isolates. */
const joinNs = (pid: number, isolated: readonly string[] = NAMESPACES): string[] =>
  ["--join-ns", isolated.length > 0 ? `${pid}:${isolated.join(",")}` : String(pid)];

before(buildShim);

/** A cell's reaper in new pid, mnt, uts, net and ipc namespaces; its pid is the host's. */
async function startCell(defer: Defer): Promise<{ shim: Shim; pid: number }> {
  const shim = startShim(defer, { flags: ["--unshare", NAMESPACES.join(","), "--cell-init", "--hostname", "cell-x"] });
  return { shim, pid: await shim.started() };
}

/** The NSpid line of a process: its pid in each pid namespace, outermost first. */
function nsPids(pid: number): string[] {
  const line = fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("NSpid:"));
  return line!.split(/\s+/).slice(1).filter(Boolean);
}

/** The processes whose parent is pid, with their state (Z: a zombie), from /proc/N/stat. */
function childrenOf(pid: number): { pid: number; state: string }[] {
  const children = [];
  for (const name of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(ppid) === pid) children.push({ pid: Number(name), state: state! });
  }
  return children;
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await new Promise((done) => setTimeout(done, 20)))
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
}

function skipUnlessRoot(t: TestContext): boolean {
  if (!isRoot) t.skip("needs root to make namespaces");
  return !isRoot;
}

test("a cell's init is pid 1 of new namespaces and reports its host pid", opts, async (t) => {
  if (skipUnlessRoot(t)) return;
  const { pid } = await startCell(useCleanup(t));
  assert.ok(isAlive(pid));
  assert.deepEqual(nsPids(pid), [String(pid), "1"]);
  for (const ns of NAMESPACES)
    assert.notEqual(fs.readlinkSync(`/proc/${pid}/ns/${ns}`), fs.readlinkSync(`/proc/self/ns/${ns}`), `${ns} namespace`);
  assert.notEqual(os.hostname(), "cell-x");
});

test("a workload that joins a cell sees its pids, hostname and network, with lo up", opts, async (t) => {
  if (skipUnlessRoot(t)) return;
  const { pid } = await startCell(useCleanup(t));
  const script = [
    "echo $$",
    "hostname",
    'ls /proc | grep "^[0-9]"',
    "cat /proc/net/dev",
    "command -v ip >/dev/null && ip -o link || echo no-ip",
  ].join("; ");
  const joined = await runToExit(t, { argv: ["/bin/sh", "-c", script], flags: joinNs(pid) });
  const [shellPid, hostname, ...rest] = joined.contents("stdout");
  assert.equal(shellPid, "2"); // the first process to join after the init
  assert.equal(hostname, "cell-x");
  const pids = rest.slice(0, rest.findIndex((l) => l.startsWith("Inter-")));
  assert.ok(pids.includes("1") && pids.includes("2"), pids.join(" "));
  assert.ok(!pids.includes(String(process.pid)) && pids.every((p) => Number(p) <= 10), `only the cell's pids: ${pids}`);
  const devices = rest.slice(pids.length + 2).filter((l) => l.includes(":") && !/^\d+: /.test(l));
  assert.deepEqual(devices.map((l) => l.split(":")[0]!.trim()), ["lo"]);
  const link = rest.at(-1)!;
  if (link !== "no-ip") assert.match(link, /^1: lo: <[^>]*\bUP\b[^>]*>.* state UNKNOWN /);
});

test("the init reaps an orphan of a joined workload: no zombie is left", opts, async (t) => {
  if (skipUnlessRoot(t)) return;
  const { pid } = await startCell(useCleanup(t));
  const joined = startShim(useCleanup(t), { argv: ["/bin/sh", "-c", "(sleep 0.5 &); exit 0"], flags: joinNs(pid) });
  await joined.started();
  assert.equal(await joined.nextLine(), "exited");
  // The subshell has exited, so its sleep is the init's now.
  const orphans = childrenOf(pid);
  assert.equal(orphans.length, 1, JSON.stringify(orphans));
  assert.deepEqual(nsPids(orphans[0]!.pid).length, 2);
  await until("the orphan is reaped", () => childrenOf(pid).length === 0);
  assert.equal(fs.existsSync(`/proc/${orphans[0]!.pid}`), false, "no zombie");
  assert.deepEqual(await joined.finish(), { lines: [], code: 0 });
});

test("SIGTERM ends the init, which ends everything in its pid namespace; its status says exit 0", opts, async (t) => {
  if (skipUnlessRoot(t)) return;
  // Cleanups run last-in first-out: the joined shim's, the cell's (which ends the orphan), then the cgroup's.
  const defer = useCleanup(t);
  const cgroup = canUseCgroup("pids") ? makeCgroup(defer, "pids", uniqueName("joined")) : undefined;
  const cell = await startCell(defer);
  const argv = ["/bin/sh", "-c", "(sleep 30 &); exec sleep 30"];
  const joined = startShim(defer, { argv, flags: joinNs(cell.pid), cgroups: cgroup ? [cgroup] : [] });
  const workload = await joined.started();
  assert.equal(nsPids(workload).length, 2, "born in the cell's pid namespace");
  assert.equal(childrenOf(joined.child.pid!).some((c) => c.pid === workload), true, "still the shim's child");
  // It joined writing its pid in the cell's namespace; the host sees its host pid there.
  if (cgroup) assert.ok(fs.readFileSync(`${cgroup}/cgroup.procs`, "utf8").split("\n").includes(String(workload)));
  await until("the orphan is the init's", () => childrenOf(cell.pid).length === 1);
  const orphan = childrenOf(cell.pid)[0]!.pid;
  process.kill(cell.pid, "SIGTERM");
  assert.deepEqual(await cell.shim.finish(), { lines: ["exited"], code: 0 });
  assert.equal(cell.shim.status().exitCode, 0);
  assert.deepEqual(await joined.finish(), { lines: ["exited"], code: 0 });
  assert.equal(joined.status().signal, 9);
  assert.equal(isAlive(orphan), false);
});

test("an executable with --unshare cgroup sees its own cgroup as the root", opts, async (t) => {
  if (skipUnlessRoot(t)) return;
  const defer = useCleanup(t);
  const cgroups = canUseCgroup("unified") ? [makeCgroup(defer, "unified", uniqueName("cgns"))] : [];
  const shim = await runToExit(t, { argv: ["cat", "/proc/self/cgroup"], cgroups, flags: ["--unshare", "cgroup"] });
  const lines = shim.contents("stdout");
  assert.ok(lines.includes("0::/"), lines.join("\n"));
  assert.ok(lines.every((l) => l.endsWith(":/")), lines.join("\n"));
});

test("a cell's init sets its hostname only in a uts namespace of its own, never the host's", opts, async (t) => {
  if (skipUnlessRoot(t)) return;
  const defer = useCleanup(t);
  const shim = startShim(defer, { flags: ["--unshare", "mnt", "--cell-init", "--hostname", "not-the-host"] });
  const pid = await shim.started();
  assert.equal(fs.readlinkSync(`/proc/${pid}/ns/uts`), fs.readlinkSync("/proc/self/ns/uts"));
  assert.notEqual(os.hostname(), "not-the-host");
});

test("joining a process whose namespaces are the shim's own changes nothing", opts, async (t) => {
  const shim = await runToExit(t, { argv: ["hostname"], flags: joinNs(process.pid, []) });
  assert.deepEqual(shim.contents("stdout"), [os.hostname()]);
});

test("joining a process that does not exist is ENOENT naming it", opts, async (t) => {
  const pidMax = Number(fs.readFileSync("/proc/sys/kernel/pid_max", "utf8")); // pids are below it
  const { errno, message } = await runToError(t, { argv: ["true"], flags: joinNs(pidMax) });
  assert.equal(errno, ENOENT);
  assert.equal(message, `join namespaces of ${pidMax}: open /proc/${pidMax}: No such file or directory`);
});

test("a cell whose setup fails reports it like an exec failure, from the parent or the child", opts, async (t) => {
  if (!isRoot || !fs.existsSync("/usr/bin/setpriv")) return t.skip("needs root and setpriv");
  const wrapper = ["/usr/bin/setpriv", "--bounding-set", "-sys_admin"];
  const parent = await runToError(t, { flags: ["--unshare", "pid,mnt", "--cell-init"], wrapper });
  assert.deepEqual([parent.errno, parent.message], [EPERM, "unshare pid namespace: Operation not permitted"]);
  const child = await runToError(t, { flags: ["--unshare", "mnt,uts", "--cell-init", "--hostname", "c"], wrapper });
  assert.deepEqual([child.errno, child.message], [EPERM, "unshare mnt,uts: Operation not permitted"]);
});

test("joining a process whose namespaces the cell isolates but are the host's is refused: not the cell's reaper", opts, async (t) => {
  if (!isRoot) return t.skip("needs root to join namespaces");
  // A host process stands where a dead reaper's pid was reused: its namespaces are the shim's own.
  const host = spawn("sleep", ["60"], { stdio: "ignore" });
  t.after(() => host.kill("SIGKILL"));
  const { errno, message } = await runToError(t, { argv: ["true"], flags: ["--join-ns", `${host.pid}:pid,mnt,net`] });
  assert.equal(errno, ESRCH);
  assert.match(message, new RegExp(`^join namespaces of ${host.pid}: its net namespace is the host's: not the cell's reaper`));
});

for (const [args, reason] of [
  [{ argv: ["true"], flags: ["--unshare", "net"] }, "--unshare net: an executable may unshare only cgroup"],
  [{ argv: ["true"], flags: ["--unshare", "cgroup,time"] }, "--unshare cgroup,time: want a comma-separated subset of"],
  [{ argv: ["true"], flags: ["--cell-init"] }, "--cell-init runs the built-in reaper: give no command after --"],
  [{ flags: ["--cell-init", "--join-ns", "1"] }, "--cell-init makes namespaces: it cannot --join-ns 1"],
  [{ argv: ["true"], flags: ["--hostname", "c"] }, "--hostname c: only a cell's reaper (--cell-init) has one"],
  [{ argv: ["true"], flags: ["--join-ns", "0"] }, "--join-ns 0: want PID or PID:KINDS"],
  [{ argv: ["true"], flags: ["--join-ns", "1:pid,time"] }, "--join-ns pid,time: want a comma-separated subset of"],
  [{ flags: [] }, "no command after --"],
] as const) {
  test(`refuses ${[...args.flags, ...("argv" in args ? ["--", ...args.argv] : [])].join(" ")}: ${reason}`, opts, async (t) => {
    const { errno, message } = await runToError(t, { ...args, flags: [...args.flags], argv: "argv" in args ? [...args.argv] : undefined });
    assert.equal(errno, EINVAL);
    assert.ok(message.startsWith(reason), message);
  });
}
