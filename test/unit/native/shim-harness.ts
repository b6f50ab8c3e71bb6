// Drives the real aurae-shim binary for the tests beside this file: starts it as the daemon does, reads its report
// lines, state files and CRI log, and registers the removal of every dir, cgroup and process the moment it exists.
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { isAlive } from "../../helpers/processes.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const shimPath = path.join(repo, "native/build/aurae-shim");
export const opts = { timeout: 30_000 };

/** For `before()` in each file: the binary under test, built from the current sources. */
export function buildShim(): void {
  execFileSync("sh", ["native/build.sh"], { cwd: repo, stdio: "inherit" });
}

/** Whether strace runs here: the tests that check which syscalls the shim makes need it. */
export function hasStrace(): boolean {
  try {
    execFileSync("strace", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export type Defer = (fn: () => unknown) => void;

/** Runs the registered cleanups last-in first-out once the test ends, however it ends. */
export function useCleanup(t: TestContext): Defer {
  const stack: (() => unknown)[] = [];
  t.after(async () => {
    const errors: unknown[] = [];
    for (const fn of stack.reverse()) await Promise.resolve().then(fn).catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw new AggregateError(errors, "cleanup failed");
  });
  return (fn) => stack.push(fn);
}

export function tempDir(defer: Defer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aurae-shim-test-"));
  defer(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function uniqueName(prefix: string): string {
  return `aurae-test-${prefix}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
}

/** A cgroup made for one test; removed once its processes are gone (cleanups run after the shim's). */
export function makeCgroup(defer: Defer, hierarchy: string, name: string): string {
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

export function canUseCgroup(...hierarchies: string[]): boolean {
  return process.getuid?.() === 0 && hierarchies.every((h) => fs.existsSync(`/sys/fs/cgroup/${h}/cgroup.procs`));
}

export interface ShimArgs {
  /** After `--`; undefined: no `--` at all (--cell-init). */
  argv?: string[];
  /** Any other flags, before `--`, as the shim reads them. */
  flags?: string[];
  /** A command that execs the shim (e.g. setpriv dropping a capability). */
  wrapper?: string[];
  env?: string[];
  cwd?: string;
  cgroups?: string[];
  oomEvents?: string;
  /** The log directory (--log-dir); <stateDir>/log if absent. */
  logDir?: string;
  stateDir?: string;
}

/** A segment file of a log directory: named by the global offset it starts at. */
export interface SegmentFile {
  name: string;
  start: number;
  size: number;
}

export const segmentName = (start: number): string => `${String(start).padStart(20, "0")}.log`;

export interface LogRecord {
  time: string;
  stream: string;
  tag: string;
  content: Buffer;
}

export class Shim {
  readonly lines: AsyncIterator<string>;
  readonly closed: Promise<number | null>;
  workloadPid: number | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly stateDir: string,
    readonly logDir: string,
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

  segments(): SegmentFile[] {
    return logSegments(this.logDir);
  }

  /** Every record of the kept segments, oldest first. */
  records(): LogRecord[] {
    return this.segments().flatMap((s) => segmentRecords(this.logDir, s));
  }

  /** The content of each record of one stream, as text. */
  contents(stream: string): string[] {
    return this.records()
      .filter((r) => r.stream === stream)
      .map((r) => r.content.toString("latin1"));
  }
}

/** The segments of a log directory in order; other files are not segments. */
export function logSegments(logDir: string): SegmentFile[] {
  return fs
    .readdirSync(logDir)
    .filter((name) => /^\d{20}\.log$/.test(name))
    .sort()
    .map((name) => ({ name, start: Number(name.slice(0, 20)), size: fs.statSync(path.join(logDir, name)).size }));
}

/** A segment's records; it must hold whole records only. */
export function segmentRecords(logDir: string, segment: SegmentFile): LogRecord[] {
  const data = fs.readFileSync(path.join(logDir, segment.name));
  const records: LogRecord[] = [];
  for (let start = 0; start < data.length; ) {
    const end = data.indexOf(0x0a, start);
    assert.ok(end >= 0, `segment ${segment.name} ends with a newline`);
    records.push(parseRecord(data.subarray(start, end)));
    start = end + 1;
  }
  return records;
}

function parseRecord(line: Buffer): LogRecord {
  const head = line.subarray(0, 48).toString("latin1");
  const m = head.match(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([FP]) /);
  assert.ok(m, `CRI record header: ${JSON.stringify(head)}`);
  return { time: m[1]!, stream: m[2]!, tag: m[3]!, content: line.subarray(m[0].length) };
}

function shimArgs(a: ShimArgs & { stateDir: string; logDir: string }): string[] {
  const args = ["--state-dir", a.stateDir, "--log-dir", a.logDir];
  for (const dir of a.cgroups ?? []) args.push("--cgroup", dir);
  if (a.oomEvents) args.push("--oom-events", a.oomEvents);
  if (a.cwd) args.push("--cwd", a.cwd);
  if (a.env !== undefined) args.push("--env-fd", "3");
  args.push(...(a.flags ?? []));
  return a.argv === undefined ? args : [...args, "--", ...a.argv];
}

export { isAlive };

/** Starts the shim as the daemon does: stdout a pipe, no stderr (the shim opens its shim.log), detached. */
export function startShim(defer: Defer, args: ShimArgs): Shim {
  const stateDir = args.stateDir ?? tempDir(defer);
  const logDir = args.logDir ?? path.join(stateDir, "log");
  const [command, ...wrapperArgs] = [...(args.wrapper ?? []), shimPath];
  const child = spawn(command!, [...wrapperArgs, ...shimArgs({ ...args, stateDir, logDir })], {
    detached: true,
    stdio: ["ignore", "pipe", "ignore", args.env === undefined ? "ignore" : "pipe"],
  });
  if (args.env !== undefined) {
    const envPipe = child.stdio[3] as Writable;
    envPipe.on("error", () => undefined);
    envPipe.end(args.env.map((kv) => `${kv}\0`).join(""));
  }
  const shim = new Shim(child, stateDir, logDir);
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
export async function runToExit(t: TestContext, args: ShimArgs): Promise<Shim> {
  const shim = startShim(useCleanup(t), args);
  const pid = await shim.started();
  const { lines, code } = await shim.finish();
  assert.deepEqual(lines, ["exited"]);
  assert.equal(code, 0);
  assert.equal(shim.status().pid, pid);
  return shim;
}

/** Runs a workload that must not start; returns the err line. */
export async function runToError(t: TestContext, args: ShimArgs): Promise<{ errno: number; message: string; shim: Shim }> {
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

