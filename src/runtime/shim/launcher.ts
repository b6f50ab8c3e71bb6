// The shim launcher: one small process (aurae-shim --launcher, native/src/launcher.c) that auraed starts once and
// that forks a shim per request. A fork from it costs ~0.1 ms where Node forking the daemon costs 2-3 ms, the shims
// are born in the shims' cgroup (no cgroup.procs write, which may wait for an RCU grace period, on each start), and
// the daemon keeps no ChildProcess per shim. Requests and reports: launcher-protocol.ts.
//
// A launcher that died is replaced on the next start. One that cannot start (or says why it cannot) is not tried
// again: the client starts shims directly from then on, and says so in the log.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Socket } from "node:net";
import { internal, unavailable } from "../../errors.js";
import { describeWaitStatus, encodeLaunchRequest, parseLauncherReport, type LauncherReport } from "./launcher-protocol.js";
import { spawnedFrom, type Spawned } from "./spawned.js";

/** What the launcher tells the daemon's log (a pino Logger is one). */
export interface LauncherLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LauncherOptions {
  readonly shimPath: string;
  /** Where the launcher moves itself before it forks anything (one directory per hierarchy). */
  readonly shimCgroupDirs: readonly string[];
  readonly log: LauncherLog;
}

/** A launch the launcher could not take (it ended before forking, or the request is too large): start it directly. */
export class NotLaunched extends Error {
  override name = "NotLaunched";
}

export class Launcher {
  #current: LauncherProcess | undefined;
  #broken = false;

  constructor(private readonly opts: LauncherOptions) {}

  /** Starts the launcher now rather than on the first spawn. */
  start(): void {
    this.#running();
  }

  /**
   * The shim's report for `args` (its command line without argv[0]) and `env` (its --env-fd block). Rejects with
   * NotLaunched when no shim was forked and the caller should start it itself. An abort of `signal` SIGKILLs the
   * shim and rejects as unavailable once it is gone.
   */
  async launch(args: readonly string[], env: Buffer | undefined, signal?: AbortSignal): Promise<Spawned> {
    const launcher = this.#running();
    if (!launcher) throw new NotLaunched("the shim launcher could not start");
    try {
      await launcher.ready;
    } catch (err) {
      if (this.#current === launcher && !this.#broken) {
        this.#broken = true;
        this.opts.log.warn({ err }, "the shim launcher could not start; shims are started directly from now on");
      }
      throw new NotLaunched("the shim launcher could not start", { cause: err });
    }
    // The caller gave up while the launcher was getting ready: nothing was forked, nothing is to be killed.
    if (signal?.aborted) throw unavailable(`shim ${this.opts.shimPath} did not report before its deadline; it was not started`);
    try {
      return await launcher.launch(args, env, signal);
    } catch (err) {
      if (err instanceof NotLaunched) this.opts.log.warn({ reason: err.message }, "starting the shim directly");
      throw err;
    }
  }

  /** Ends the launcher (EOF on its requests) and waits for it; the shims it forked run on. */
  async close(): Promise<void> {
    this.#broken = true;
    await this.#current?.close();
  }

  #running(): LauncherProcess | undefined {
    if (this.#broken) return undefined;
    if (this.#current?.alive) return this.#current;
    if (this.#current) this.opts.log.warn({ launcherPid: this.#current.pid }, "the shim launcher is gone; starting another");
    this.#current = new LauncherProcess(this.opts);
    return this.#current;
  }
}

interface Pending {
  readonly resolve: (spawned: Spawned) => void;
  readonly reject: (err: Error) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  shimPid?: number;
}

/** One launcher process, its requests in flight by id and by the pid of the shim forked for them. */
class LauncherProcess {
  readonly ready: Promise<void>;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  readonly #byShimPid = new Map<number, number>();
  #nextId = 1;
  #exited = false;
  #closing = false;
  #partial = "";
  #onReady: () => void = () => undefined;
  #onFail: (err: Error) => void = () => undefined;

  constructor(private readonly opts: LauncherOptions) {
    const args = ["--launcher", ...opts.shimCgroupDirs.flatMap((dir) => ["--shim-cgroup", dir])];
    // Its own session: a signal to auraed's process group does not reach it; EOF on stdin is what ends it.
    this.#child = spawn(opts.shimPath, args, { detached: true, stdio: ["pipe", "pipe", "ignore"] });
    this.#child.unref();
    // Its stdout keeps the event loop alive only until it is ready and while a request waits (#track, #settle).
    (this.#child.stdin as unknown as Socket).unref();
    this.#child.stdin!.on("error", () => undefined); // EPIPE once it died: its exit and EOF say so
    this.ready = new Promise<void>((resolve, reject) => {
      this.#onReady = resolve;
      this.#onFail = reject;
    });
    this.ready.catch(() => undefined); // awaited by each launch; nobody may be waiting yet
    this.#child.once("error", (err) => this.#onFail(internal(`start the shim launcher ${opts.shimPath}: ${err.message}`, { cause: err })));
    this.#child.once("exit", (code, sig) => this.#onExit(code, sig));
    this.#stdout.setEncoding("utf8");
    this.#stdout.on("data", (chunk: string) => this.#onData(chunk));
    this.#stdout.once("close", () => this.#onEof());
  }

  get alive(): boolean {
    return !this.#exited;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  launch(args: readonly string[], env: Buffer | undefined, signal?: AbortSignal): Promise<Spawned> {
    const id = this.#nextId;
    this.#nextId = id >= 0xffff_ffff ? 1 : id + 1;
    const frame = encodeLaunchRequest(id, args, env);
    if (!frame) return Promise.reject(new NotLaunched("the request is larger than the launcher takes"));
    return new Promise<Spawned>((resolve, reject) => {
      const pending: Pending = { resolve, reject, signal, onAbort: () => this.#kill(pending) };
      this.#track(id, pending);
      signal?.addEventListener("abort", pending.onAbort, { once: true });
      this.#child.stdin!.write(frame);
      if (signal?.aborted) pending.onAbort();
    });
  }

  async close(): Promise<void> {
    if (this.#exited) return;
    this.#closing = true;
    this.#child.ref();
    const exited = once(this.#child, "exit");
    this.#child.stdin!.end();
    await exited;
  }

  get #stdout(): Socket {
    return this.#child.stdout as Socket;
  }

  #track(id: number, pending: Pending): void {
    if (this.#pending.size === 0) this.#stdout.ref();
    this.#pending.set(id, pending);
  }

  #settle(id: number, outcome: { spawned: Spawned } | { err: Error }): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (pending.shimPid !== undefined) this.#byShimPid.delete(pending.shimPid);
    if (this.#pending.size === 0) this.#stdout.unref();
    pending.signal?.removeEventListener("abort", pending.onAbort);
    // Given up on: whatever the shim said, the caller's deadline passed (its leaf is the caller's to clean).
    if (pending.signal?.aborted) return pending.reject(unavailable(`shim ${this.opts.shimPath} did not report before its deadline; it was killed`));
    if ("spawned" in outcome) pending.resolve(outcome.spawned);
    else pending.reject(outcome.err);
  }

  /** SIGKILLs the shim of an aborted request once its pid is known; the request settles when the shim is reaped. */
  #kill(pending: Pending): void {
    if (pending.shimPid === undefined) return;
    try {
      process.kill(pending.shimPid, "SIGKILL");
    } catch {
      // Gone already: its reaped line settles the request.
    }
  }

  #onData(chunk: string): void {
    const lines = (this.#partial + chunk).split("\n");
    this.#partial = lines.pop()!;
    for (const line of lines) {
      const report = parseLauncherReport(line);
      if (report) this.#onReport(report);
      else this.opts.log.warn({ line }, "the shim launcher wrote a line that is no report");
    }
  }

  #onReport(report: LauncherReport): void {
    switch (report.kind) {
      case "ready":
        this.opts.log.info({ launcherPid: this.#child.pid }, "shim launcher ready");
        if (this.#pending.size === 0) this.#stdout.unref();
        return this.#onReady();
      case "fail":
        return this.#onFail(internal(`shim launcher ${this.opts.shimPath}: ${report.message}`));
      case "forked": {
        const pending = this.#pending.get(report.id);
        if (!pending) return;
        pending.shimPid = report.shimPid;
        this.#byShimPid.set(report.shimPid, report.id);
        if (pending.signal?.aborted) this.#kill(pending);
        return;
      }
      case "ok":
      case "err":
        try {
          return this.#settle(report.id, { spawned: spawnedFrom(report, "shim") });
        } catch (err) {
          return this.#settle(report.id, { err: err as Error });
        }
      case "reaped": {
        const id = this.#byShimPid.get(report.shimPid);
        if (id === undefined) return;
        const how = describeWaitStatus(report.waitStatus);
        return this.#settle(id, { err: internal(`shim ${this.opts.shimPath} (pid ${report.shimPid}) exited without a report (${how}); see shim.log`) });
      }
    }
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exited = true;
    if (!this.#closing) this.opts.log.warn({ launcherPid: this.#child.pid, code, signal }, "the shim launcher exited; the next start starts another");
    this.#onFail(internal(`the shim launcher exited (${signal ?? `code ${code}`}) before it was ready`));
  }

  /**
   * Every writer of the report pipe is gone: the launcher and every shim it forked that had not reported yet (each
   * holds the pipe until its report). A request still waiting had no shim forked for it, or one that died silently.
   */
  #onEof(): void {
    this.#exited = true;
    for (const [id, pending] of [...this.#pending]) {
      if (pending.shimPid === undefined && !pending.signal?.aborted) {
        this.#pending.delete(id);
        pending.signal?.removeEventListener("abort", pending.onAbort);
        pending.reject(new NotLaunched("the shim launcher ended before it forked the shim"));
      } else {
        this.#settle(id, { err: internal(`shim ${this.opts.shimPath} (pid ${pending.shimPid}) exited without a report; see shim.log`) });
      }
    }
    if (this.#pending.size === 0) this.#stdout.unref();
  }
}
