// Executables: a process per executable, run by the shim in a leaf cgroup of its cell (and in the cell's namespaces
// when it is isolated). The database holds what was asked and what was observed; the shim's status file is the
// truth about an exit, awaited for every running executable through one StatusWatch (inotify, no timer per
// workload); recover() adopts executables that were running when auraed last stopped. The restart policy turns an
// exit into a delayed start of the same executable.
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { AuraeError, exists, internal, invalid, notFound, precondition, unavailable } from "../../errors.js";
import type { CgroupDriver, CgroupStats } from "../../runtime/cgroups/driver.js";
import { DEFAULT_SPAWN_TIMEOUT_MS, SpawnError, type SpawnRequest, type Spawned } from "../../runtime/shim/shim-client.js";
import { discardDir } from "../../runtime/discard-dir.js";
import { isShimRunning } from "../../runtime/shim/find-shim.js";
import { readShimPid, readShimStatus, type ShimStatus } from "../../runtime/shim/shim-status.js";
import { SHIM_DIED, StatusWatch } from "../../runtime/shim/status-watch.js";
import { sendSignal } from "../../runtime/signal.js";
import { resolveCredentials } from "../../runtime/users.js";
import type { ExecutableRow, ExecutablesStore } from "../../store/executables-store.js";
import { treeLock, type CellWorkloads, type Cells } from "../cells/cells.js";
import { exitAttributes, type NewEvent } from "../events/event.js";
import type { KeyedMutex } from "../keyed-mutex.js";
import type { LabelSelector } from "../labels/label-selector.js";
import { validateCellName, validateExecutableName } from "../names.js";
import { decodePageToken, encodePageToken, validatePageSize, type PageRequest } from "../pagination.js";
import {
  validateExecutableSpec,
  validateGracePeriodMs,
  type Executable,
  type ExecutableSpec,
  type ExitStatus,
} from "./executable-spec.js";
import { executableDir, leafCgroup, logDir, runDir, trashDir } from "./layout.js";
import { listProcesses, type ProcessList } from "./processes.js";
import { decideRestart } from "./restart.js";
import { StateChanges } from "./state-changes.js";
import { requireTransition, statesBefore } from "./state.js";

export interface ExecutablesDeps {
  /** Records what happens to executables in the node's event log. */
  readonly events: { record(event: NewEvent): unknown };
  /** Runs `fn` in one database transaction (Store.transaction): a change and its event land together or not at all. */
  readonly atomically: <T>(fn: () => T) => T;
  readonly store: ExecutablesStore;
  readonly cells: Pick<Cells, "require" | "frozenAt" | "namespacesFor" | "workloadEnv">;
  readonly cgroups: CgroupDriver;
  /** Starts a workload; an aborted `signal` means the daemon gave up on it (the shim is to be killed). */
  readonly shim: { spawn(req: SpawnRequest, signal?: AbortSignal): Promise<Spawned> };
  /** How long a spawn may take before it is killed and rolled back (a frozen cgroup, a hung mount); 30 s by default. */
  readonly spawnTimeoutMs?: number;
  readonly locks: KeyedMutex;
  readonly stateRoot: string;
  readonly log: Logger;
  /** Where passwd and group live; /etc on a node. */
  readonly etcDir?: string;
  /** Log retention per executable: segment size and how many segments are kept. */
  readonly logLimits?: { readonly maxBytes: number; readonly maxFiles: number };
}

export interface StopOptions {
  /** First signal; SIGTERM when absent. */
  readonly signal?: number;
  /** How long to wait for an exit after the first signal before SIGKILL; 10 s when absent. */
  readonly graceMs?: number;
}

const DEFAULT_GRACE_MS = 10_000;
const FROZEN_RETRY_MS = 1000;
const SIGTERM = 15;
/** How long SIGKILL may take to end a process tree before Stop gives up and says so. */
const KILL_TIMEOUT_MS = 10_000;

// errnos of exec and chdir that mean "the cell has no such runnable program or directory": the caller's to fix.
const CALLER_ERRNOS = new Set(["ENOENT", "EACCES", "ENOTDIR", "ENOEXEC", "ELOOP", "ENAMETOOLONG", "EISDIR", "E2BIG", "EPERM"]);

export class Executables implements CellWorkloads {
  readonly #changes = new StateChanges();
  readonly #exits = new StatusWatch();
  readonly #restartTimers = new Map<string, NodeJS.Timeout>();
  /** Log followers' wake-ups: a cell's name when an executable starts in it, keyOf() when one exits. */
  readonly #logChanges = new EventEmitter().setMaxListeners(0);
  #closed = false;

  constructor(private readonly deps: ExecutablesDeps) {}

  /**
   * Records the start and makes its leaf under the tree's lock, then spawns outside it: a spawn that hangs (a frozen
   * cgroup, a binary on a hung mount) must not keep Thaw, Free or another Start of the tree waiting. Free and Stop see
   * the "starting" record meanwhile; a spawn past its deadline is killed and rolled back.
   */
  async start(input: ExecutableSpec): Promise<Executable> {
    const spec = validateExecutableSpec(input);
    const { starting, request } = await this.deps.locks.run(treeLock(spec.cell), async () => {
      this.deps.cells.require(spec.cell);
      this.#requireThawed(spec.cell, spec.name);
      const previous = this.deps.store.get(spec.cell, spec.name);
      if (previous && previous.state !== "exited")
        throw exists(`executable "${spec.name}" in cell "${spec.cell}" is ${previous.state}: stop it before starting it again`);
      if (previous) await this.forget(spec.cell, spec.name);
      // Desired state first: a crash from here on leaves a "starting" record that the next auraed finishes.
      const row: ExecutableRow = {
        cell: spec.cell,
        name: spec.name,
        spec: JSON.stringify(spec),
        state: "starting",
        pid: 0,
        startedAtMs: Date.now(),
        exitedAtMs: null,
        exitStatus: null,
        restartCount: 0,
        backoffStep: 0,
        nextRestartAtMs: null,
      };
      this.deps.store.put(row);
      try {
        return { starting: row, request: await this.#prepare(spec, 0) };
      } catch (err) {
        this.#rollBackStart(row);
        throw err;
      }
    });
    let spawned: Pick<ExecutableRow, "pid" | "startedAtMs">;
    try {
      spawned = await this.#launch(spec, request);
    } catch (err) {
      this.#rollBackStart(starting);
      throw err;
    }
    const row = this.deps.atomically(() => {
      const running = this.#running(starting, spawned);
      this.deps.events.record({ kind: "executable.started", cell: spec.cell, executable: spec.name, attributes: { pid: String(running.pid) }, labels: spec.labels });
      return running;
    });
    this.#logChanges.emit(spec.cell); // a cell-wide follow starts following its log
    return toExecutable(row);
  }

  /** A first start that did not happen leaves no record (a Stop that came meanwhile ends with it). */
  #rollBackStart(row: ExecutableRow): void {
    this.deps.store.deleteIn(row.cell, row.name, ["starting", "stopping"]);
    this.#changes.notify(keyOf(row.cell, row.name));
  }

  /**
   * Records a spawned run's process and starts watching for its exit: running, or, when a Stop came first, still
   * stopping with the pid its stop now signals.
   */
  #running(starting: ExecutableRow, spawned: Pick<ExecutableRow, "pid" | "startedAtMs">): ExecutableRow {
    const { cell, name } = starting;
    const state = this.deps.store.setRunning(cell, name, spawned.pid, spawned.startedAtMs)
      ? "running"
      : this.deps.store.setStoppingPid(cell, name, spawned.pid, spawned.startedAtMs)
        ? "stopping"
        : undefined;
    if (state === undefined) {
      // Nobody wants this run any more (its record went): its process goes too.
      void this.deps.cgroups.kill(leafCgroup(cell, name)).catch(() => undefined);
      throw precondition(`executable "${name}" in cell "${cell}" was removed while it started`);
    }
    const row: ExecutableRow = { ...starting, ...spawned, state, nextRestartAtMs: null };
    this.#watch(row);
    this.#changes.notify(keyOf(cell, name));
    return row;
  }

  /**
   * Records the stop intent (running or still starting becomes stopping, one executable.stopped event), then signals
   * the main process once it has one, and SIGKILLs the leaf after `graceMs`.
   */
  async stop(cell: string, name: string, opts: StopOptions): Promise<Executable> {
    const { signal, graceMs } = validateStopOptions(opts);
    for (;;) {
      const row = this.#require(cell, name);
      if (row.state === "exited") return toExecutable(row); // as CRI StopContainer: stopping a stopped one is no error
      if (row.state === "backoff") {
        const cancelled = this.#cancelRestart(row);
        if (cancelled) return toExecutable(cancelled);
        continue; // its restart began meanwhile: stop that run
      }
      if (row.state === "stopping") break; // another Stop's: wait for the same exit
      const marked = this.deps.atomically(() => {
        if (!this.deps.store.markStopping(cell, name, statesBefore("stopping"), { signal, deadlineMs: Date.now() + graceMs })) return false;
        this.deps.events.record({ kind: "executable.stopped", cell, executable: name, attributes: { signal: String(signal) }, labels: labelsOf(row) });
        return true;
      });
      if (marked) {
        this.#changes.notify(keyOf(cell, name));
        break;
      }
    }
    const row = await this.#withProcess(cell, name);
    if (row.state === "exited") return toExecutable(row);
    await this.#signalMainProcess(row, signal);
    if (!(await this.#waitExited(cell, name, graceMs))) {
      await this.deps.cgroups.kill(leafCgroup(cell, name));
      if (!(await this.#waitExited(cell, name, KILL_TIMEOUT_MS)))
        throw internal(`executable "${name}" in cell "${cell}" survived SIGKILL for ${KILL_TIMEOUT_MS} ms`);
    }
    return toExecutable(this.#require(cell, name));
  }

  /**
   * The record once a stopping run has its pid or ended: a start in flight ends within its spawn deadline. NOT_FOUND
   * when that start failed and left no record.
   */
  async #withProcess(cell: string, name: string): Promise<ExecutableRow> {
    const settled = (): ExecutableRow | null | undefined => {
      const row = this.deps.store.get(cell, name);
      if (!row) return null;
      return row.pid !== 0 || row.state === "exited" ? row : undefined;
    };
    const timeoutMs = this.#spawnTimeoutMs() + KILL_TIMEOUT_MS;
    const row = await this.#changes.until(keyOf(cell, name), settled, AbortSignal.timeout(timeoutMs));
    if (row === null) throw notFound(`executable "${name}" in cell "${cell}" did not start: its start failed while it was stopped`);
    return row ?? this.#require(cell, name);
  }

  /**
   * Stops the executable as stop() does, then runs its spec again as its next run: restart_count + 1 (each run has
   * its own state directory, and the log goes on), the policy's back-off from the start. An exited executable, or
   * one waiting in backoff, starts at once. The start takes the tree lock and refuses if the executable was replaced
   * or started by someone else while it stopped.
   */
  async restart(cell: string, name: string, opts: StopOptions): Promise<Executable> {
    this.#require(cell, name);
    this.#requireThawed(cell, name); // refused before the stop, not after it
    const stopped = await this.stop(cell, name, opts);
    const next = await this.deps.locks.run(treeLock(cell), async () => {
      const row = this.#require(cell, name);
      if (row.state !== "exited" || row.startedAtMs !== stopped.startedAt.getTime())
        throw precondition(`executable "${name}" in cell "${cell}" was started by another call while it restarted; it is ${row.state}`);
      this.#requireThawed(cell, name);
      return this.#prepareAgain({ ...row, backoffStep: 0 });
    });
    return toExecutable(await this.#runAgain(next, { requested: "true" }));
  }

  /** Usage of the executable's own cgroup: its process and every descendant. */
  async stats(cell: string, name: string): Promise<CgroupStats> {
    this.#requireProcess(this.#require(cell, name));
    const stats = await this.deps.cgroups.stats(leafCgroup(cell, name));
    // Its leaf is removed once it exits, and reads as zeros: an exit during the read is reported, not zeros.
    this.#requireProcess(this.#require(cell, name));
    return stats;
  }

  /** The processes of one executable, or (without `name`) of every executable of `cell` and the cells below it. */
  async processes(cell: string, name: string | undefined): Promise<ProcessList> {
    if (name !== undefined) return listProcesses([this.#require(cell, name)], this.deps);
    validateCellName(cell, "cell_name");
    this.deps.cells.require(cell);
    const under = this.deps.store.active().filter((x) => x.cell === cell || x.cell.startsWith(`${cell}/`));
    return listProcesses(under, this.deps);
  }

  async signal(cell: string, name: string, signal: number): Promise<void> {
    checkSignal(signal);
    const row = this.#require(cell, name);
    this.#requireProcess(row);
    await this.#signalMainProcess(row, signal);
  }

  /** Answers once the executable exited for good; a cancelled call rejects with the signal's reason. */
  async wait(cell: string, name: string, signal: AbortSignal): Promise<Executable> {
    const exited = await this.#changes.until(keyOf(cell, name), this.#rowWhen(cell, name, (row) => row.state === "exited"), signal);
    signal.throwIfAborted();
    return toExecutable(exited!);
  }

  get(cell: string, name: string): Executable {
    return toExecutable(this.#require(cell, name));
  }

  /** A page in (cell, name) order; with `cell`, only that cell's and those below; with a selector, only matches. */
  list(cell: string | undefined, page: PageRequest, selector: LabelSelector = []): { executables: Executable[]; nextPageToken: string } {
    if (cell !== undefined) validateCellName(cell, "cell_name");
    const size = validatePageSize(page.pageSize);
    const [afterCell, afterName] = decodePageToken(page.pageToken, 2);
    const rows = this.deps.store.page({ cell: afterCell!, name: afterName! }, size + 1, cell, selector);
    const executables = rows.slice(0, size).map(toExecutable);
    const last = executables.at(-1)?.spec;
    return { executables, nextPageToken: rows.length > size && last ? encodePageToken([last.cell, last.name]) : "" };
  }

  /** Names of the executables of `cell` (not of its nested cells), in order; NOT_FOUND for an unknown cell. */
  namesIn(cell: string): string[] {
    validateCellName(cell, "cell_name");
    this.deps.cells.require(cell);
    return this.deps.store.inCell(cell).map((x) => x.name).sort();
  }

  /**
   * Calls `listener` each time an executable starts in `cell`, or, given `name`, each time that one exits, until the
   * returned function is called.
   */
  onLogChange(cell: string, name: string | undefined, listener: () => void): () => void {
    const event = name === undefined ? cell : keyOf(cell, name);
    this.#logChanges.on(event, listener);
    return () => this.#logChanges.off(event, listener);
  }

  /**
   * Where the executable's log is, whether it is complete (exited for good and its last shim closed it), and the
   * directory whose status file says so, for a reader to watch.
   */
  async logOf(cell: string, name: string): Promise<{ dir: string; closed: () => Promise<boolean>; statusDir: () => string | undefined }> {
    this.#require(cell, name);
    const dir = executableDir(this.deps.stateRoot, cell, name);
    const closed = async (): Promise<boolean> => {
      const row = this.deps.store.get(cell, name);
      if (row?.state !== "exited") return row === undefined;
      return readShimStatus(runDir(dir, row.restartCount))?.logClosed ?? false;
    };
    const statusDir = (): string | undefined => {
      const row = this.deps.store.get(cell, name);
      return row && runDir(dir, row.restartCount);
    };
    return { dir: logDir(dir), closed, statusDir };
  }

  /** Stops every executable on the node, those of the deepest cells first (children before what they serve). */
  async stopEverything(graceMs: number): Promise<void> {
    const cells = [...new Set(this.deps.store.active().map((x) => x.cell))];
    cells.sort((a, b) => b.split("/").length - a.split("/").length);
    for (const cell of cells) await this.stopAll(cell, graceMs);
  }

  async stopAll(cell: string, graceMs: number): Promise<void> {
    const active = this.deps.store.inCell(cell).filter((x) => x.state !== "exited");
    // A start that failed meanwhile left nothing to stop.
    const stopOne = (name: string) => this.stop(cell, name, { graceMs }).catch((err: unknown) => {
      if (!(err instanceof AuraeError && err.kind === "not-found")) throw err;
    });
    await Promise.all(active.map((x) => stopOne(x.name)));
  }

  /** Drops an exited executable: its record and its files. */
  async forget(cell: string, name: string): Promise<void> {
    await discardDir(executableDir(this.deps.stateRoot, cell, name), trashDir(this.deps.stateRoot));
    this.deps.store.delete(cell, name);
  }

  /**
   * Takes over every executable the database says is active: watches the running (recording the exits that happened
   * while auraed was down), finishes interrupted starts, schedules pending restarts, and records as lost what is gone
   * without a trace (a reboot), which its restart policy then starts again.
   */
  async recover(): Promise<void> {
    const lost: ExitToRecord[] = [];
    for (const row of this.deps.store.active()) {
      try {
        if ((await this.#recoverOne(row)) === "lost") lost.push({ started: row, exit: LOST, exitedAtMs: Date.now() });
      } catch (err) {
        this.deps.log.error({ err, cell: row.cell, name: row.name }, "recovering an executable failed");
      }
    }
    // After a reboot every workload is lost: one commit for all of them, not one fsync each.
    await this.#recordExits(lost).catch((err: unknown) => this.deps.log.error({ err, count: lost.length }, "recording lost executables failed"));
  }

  /** Adopts one active executable; "lost" when it is gone without a trace, for recover() to record. */
  async #recoverOne(row: ExecutableRow): Promise<"lost" | undefined> {
    const dir = runDir(executableDir(this.deps.stateRoot, row.cell, row.name), row.restartCount);
    if (row.state === "backoff") this.#scheduleRestart(row.cell, row.name, row.nextRestartAtMs ?? Date.now());
    else if (row.state === "starting") await this.#finishStart(row, dir);
    else if (hasStatus(dir) || (await this.#isRunning(row, row.pid))) {
      this.#watch(row);
      if (row.state === "stopping") void this.#finishStop(row);
    } else return "lost";
    return undefined;
  }

  /** A stop the last auraed began: signal again (it may have died before sending), SIGKILL at the deadline. */
  async #finishStop(row: ExecutableRow): Promise<void> {
    try {
      await this.#signalMainProcess(row, row.stopSignal ?? SIGTERM);
      const remainingMs = Math.max(0, (row.stopDeadlineMs ?? Date.now()) - Date.now());
      if (!(await this.#waitExited(row.cell, row.name, remainingMs))) await this.deps.cgroups.kill(leafCgroup(row.cell, row.name));
    } catch (err) {
      this.deps.log.error({ err, cell: row.cell, name: row.name }, "finishing an interrupted stop failed");
    }
  }

  /** The leaf cgroups of executables that may have a process: every one not exited for good. */
  claimedCgroups(): Set<string> {
    return new Set(this.deps.store.active().map((row) => leafCgroup(row.cell, row.name)));
  }

  /** A start the last auraed recorded but may not have finished: adopt what the shim did, or start it now. */
  async #finishStart(row: ExecutableRow, dir: string): Promise<void> {
    for (let waited = 0; waited < 50 && !readShimStatus(dir) && !readShimPid(dir) && isShimRunning(dir); waited++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const status = readShimStatus(dir);
    const pid = status?.pid ?? readShimPid(dir);
    if (pid !== undefined && (status || (await this.#isRunning(row, pid)))) {
      this.#running(row, { pid, startedAtMs: status ? Number(status.startedAtUnixNano / 1_000_000n) : row.startedAtMs });
      return;
    }
    const spec = JSON.parse(row.spec) as ExecutableSpec;
    try {
      const request = await this.deps.locks.run(treeLock(row.cell), async () => {
        await discardDir(dir, trashDir(this.deps.stateRoot));
        return this.#prepare(spec, row.restartCount);
      });
      this.#running(row, await this.#launch(spec, request));
    } catch (err) {
      // As a start or a restart that fails now: no record of a first run, the previous run's exit for a later one.
      if (row.restartCount === 0) this.#rollBackStart(row);
      else this.#backToExited({ ...row, restartCount: row.restartCount - 1 });
      throw err;
    }
  }

  /** Whether `pid` is the executable's main process: alive, in its leaf cgroup (a reused pid would not be). */
  async #isRunning(row: ExecutableRow, pid: number): Promise<boolean> {
    return (await this.deps.cgroups.pids(leafCgroup(row.cell, row.name))).includes(pid);
  }

  /** Stops watching and restarting; workloads keep running (their shims outlive the daemon). */
  close(): void {
    this.#closed = true;
    this.#exits.close();
    for (const timer of this.#restartTimers.values()) clearTimeout(timer);
    this.#restartTimers.clear();
  }

  /** What the shim is asked; makes the run's leaf cgroup. Run under the tree lock (it may restart the reaper). */
  async #prepare(spec: ExecutableSpec, restartCount: number): Promise<SpawnRequest> {
    const dir = executableDir(this.deps.stateRoot, spec.cell, spec.name);
    const leaf = leafCgroup(spec.cell, spec.name);
    const credentials = resolveCredentials(spec, this.deps.etcDir);
    const namespaces = await this.deps.cells.namespacesFor(spec.cell);
    await this.deps.cgroups.createLeaf(leaf);
    return {
      stateDir: runDir(dir, restartCount),
      logDir: logDir(dir),
      logMaxBytes: this.deps.logLimits?.maxBytes,
      logMaxFiles: this.deps.logLimits?.maxFiles,
      argv: spec.shell ? ["/bin/sh", "-c", spec.argv[0]!] : spec.argv,
      env: { ...this.deps.cells.workloadEnv(spec.cell), ...spec.env },
      cwd: spec.cwd,
      cgroupDirs: this.deps.cgroups.dirs(leaf),
      oomEventsFile: this.deps.cgroups.oomEventsFile(leaf),
      user: credentials,
      umask: spec.umask,
      rlimits: spec.rlimits.map((r) => ({ resource: r.resource, soft: toBig(r.soft), hard: toBig(r.hard) })),
      stdin: spec.stdin,
      joinNamespacesOf: namespaces.join,
      unshare: namespaces.cgroup ? ["cgroup"] : undefined,
    };
  }

  /**
   * Spawns outside the tree lock, within the spawn deadline. On failure or at the deadline the shim is told to give
   * up (it is killed), whatever reached the leaf is killed and the leaf removed before the error is thrown.
   */
  async #launch(spec: ExecutableSpec, request: SpawnRequest): Promise<Pick<ExecutableRow, "pid" | "startedAtMs">> {
    const leaf = leafCgroup(spec.cell, spec.name);
    const giveUp = new AbortController();
    const timeoutMs = this.#spawnTimeoutMs();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        giveUp.abort();
        reject(unavailable(`start "${spec.name}" in cell "${spec.cell}": the shim did not report within ${timeoutMs} ms ` +
          `(is the cell's cgroup frozen, or the program on a hung mount?); the start was killed and rolled back`));
      }, timeoutMs);
    });
    try {
      const spawned = await Promise.race([this.deps.shim.spawn(request, giveUp.signal), deadline]);
      return { pid: spawned.pid, startedAtMs: Number(spawned.startedAtUnixNano / 1_000_000n) };
    } catch (err) {
      giveUp.abort();
      await this.#discardLeaf(leaf);
      throw spawnFailure(spec, err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills what a failed start left in its leaf and removes the leaf; a leaf that stays (a frozen v1 task) is logged. */
  async #discardLeaf(leaf: string): Promise<void> {
    try {
      await this.deps.cgroups.kill(leaf);
      await this.deps.cgroups.remove(leaf);
    } catch (err) {
      this.deps.log.warn({ err, leaf }, "remove the leaf cgroup of a failed start");
    }
  }

  #spawnTimeoutMs(): number {
    return this.deps.spawnTimeoutMs ?? DEFAULT_SPAWN_TIMEOUT_MS;
  }

  #watch(row: ExecutableRow): void {
    this.#watchExit(row).catch((err: unknown) =>
      this.deps.log.error({ err, cell: row.cell, name: row.name }, "watching executable failed"),
    );
  }

  async #watchExit(row: ExecutableRow): Promise<void> {
    const dir = runDir(executableDir(this.deps.stateRoot, row.cell, row.name), row.restartCount);
    let status: Awaited<ReturnType<StatusWatch["exited"]>>;
    try {
      status = await this.#exits.exited(dir);
    } catch (err) {
      // A status file that cannot be read says the process ended, but not how.
      this.deps.log.error({ err, cell: row.cell, name: row.name }, "unreadable exit status; recording the executable as lost");
      return await this.#recordExit(row, LOST, Date.now());
    }
    if (status === SHIM_DIED) {
      // Nobody reads the workload's output or will record its exit: it goes (recordExit empties its cgroup), as lost.
      this.deps.log.error({ cell: row.cell, name: row.name, dir }, "the shim died without recording an exit; recording the executable as lost");
      return await this.#recordExit(row, LOST, Date.now());
    }
    if (status) await this.#recordExit(row, exitOf(status), Number(status.exitedAtUnixNano / 1_000_000n));
  }

  #recordExit(started: ExecutableRow, exit: ExitStatus, exitedAtMs: number): Promise<void> {
    return this.#recordExits([{ started, exit, exitedAtMs }]);
  }

  /** Records exits, their states and events in one commit (one fsync however many), then what follows from each. */
  async #recordExits(exits: readonly ExitToRecord[]): Promise<void> {
    // As systemd's KillMode=control-group: when the main process is gone, what it left behind goes too, before
    // the exit is visible, so whoever waits for it finds the cgroup gone. Leaves are independent: all at once.
    await Promise.all(exits.map(({ started }) => this.#emptyLeaf(leafCgroup(started.cell, started.name))));
    const recorded = this.deps.atomically(() => exits.map((x) => this.#storeExit(x)));
    for (const [i, outcome] of recorded.entries()) {
      const { cell, name } = exits[i]!.started;
      if (!outcome) continue;
      if (outcome.decision.restart) this.#scheduleRestart(cell, name, outcome.nextRestartAtMs);
      this.deps.log.info({ cell, name, pid: outcome.row.pid, exit: exits[i]!.exit, restart: outcome.decision }, "executable exited");
      this.#changes.notify(keyOf(cell, name));
      this.#logChanges.emit(keyOf(cell, name));
    }
  }

  async #emptyLeaf(leaf: string): Promise<void> {
    try {
      await this.deps.cgroups.kill(leaf);
      await this.deps.cgroups.remove(leaf);
    } catch (err) {
      this.deps.log.warn({ err, leaf }, "clean up the leaf cgroup of an exited executable");
    }
  }

  /**
   * Inside a transaction: the exit's state and its events; the restart decision when they landed, undefined when the
   * run is no longer running.
   */
  #storeExit({ started, exit, exitedAtMs }: ExitToRecord): StoredExit | undefined {
    const { cell, name } = started;
    const row = this.deps.store.get(cell, name) ?? started;
    const spec = JSON.parse(row.spec) as ExecutableSpec;
    const decision = decideRestart(spec.restart, exit, {
      restartCount: row.restartCount,
      backoffStep: row.backoffStep,
      runMs: exitedAtMs - row.startedAtMs,
      stopped: row.state === "stopping",
    });
    const exitStatus = JSON.stringify(exit);
    const from = [row.state];
    const nextRestartAtMs = Date.now() + (decision.restart ? decision.delayMs : 0);
    const applied = (row.state === "running" || row.state === "stopping") && (decision.restart
      ? this.deps.store.setBackoff(cell, name, from, { exitedAtMs, exitStatus, nextRestartAtMs, backoffStep: decision.backoffStep })
      : this.deps.store.setExited(cell, name, from, exitedAtMs, exitStatus));
    if (!applied) {
      this.deps.log.warn({ cell, name, state: row.state }, "an exit arrived for a run that is not running; not recorded");
      return undefined;
    }
    if (exit.oomKilled) this.deps.events.record({ kind: "executable.oom_killed", cell, executable: name, attributes: { pid: String(row.pid) }, labels: spec.labels });
    this.deps.events.record({ kind: "executable.exited", cell, executable: name, attributes: exitAttributes(exit), labels: spec.labels });
    return { row, decision, nextRestartAtMs };
  }

  #scheduleRestart(cell: string, name: string, atMs: number): void {
    const key = keyOf(cell, name);
    clearTimeout(this.#restartTimers.get(key));
    const timer = setTimeout(() => {
      this.#restartTimers.delete(key);
      this.#restart(cell, name).catch((err: unknown) => this.deps.log.error({ err, cell, name }, "restart failed"));
    }, Math.max(0, atMs - Date.now()));
    this.#restartTimers.set(key, timer);
  }

  async #restart(cell: string, name: string): Promise<void> {
    const next = await this.deps.locks.run(treeLock(cell), async () => {
      const row = this.deps.store.get(cell, name);
      if (!row || row.state !== "backoff" || this.#closed) return undefined;
      // As in start: not into a frozen cell. Try again later; it stays in backoff until the cell is thawed.
      if (this.deps.cells.frozenAt(cell) !== undefined) return this.#scheduleRestart(cell, name, Date.now() + FROZEN_RETRY_MS);
      return this.#prepareAgain(row);
    });
    if (next) await this.#runAgain(next, {}).catch((err: unknown) => this.deps.log.error({ err, cell, name }, "restart failed; the executable stays exited"));
  }

  /**
   * The next run of an exited (or backoff) executable, recorded as starting and its leaf made; run under the tree
   * lock. Desired state first, as in start.
   */
  async #prepareAgain(row: ExecutableRow): Promise<NextRun> {
    requireTransition(row, "starting");
    const starting: ExecutableRow = { ...row, state: "starting", pid: 0, startedAtMs: Date.now(), restartCount: row.restartCount + 1, nextRestartAtMs: null };
    const run = { startedAtMs: starting.startedAtMs, restartCount: starting.restartCount, backoffStep: row.backoffStep };
    if (!this.deps.store.setRestarting(row.cell, row.name, [row.state], run))
      throw precondition(`executable "${row.name}" in cell "${row.cell}" changed while it was restarted`);
    try {
      return { row, starting, request: await this.#prepare(JSON.parse(row.spec) as ExecutableSpec, starting.restartCount) };
    } catch (err) {
      this.#backToExited(row);
      throw err;
    }
  }

  /** Spawns a prepared next run outside the tree lock; if that fails it is recorded as exited again and thrown. */
  async #runAgain(next: NextRun, attributes: Record<string, string>): Promise<ExecutableRow> {
    const { row, starting, request } = next;
    const { cell, name } = row;
    try {
      const spawned = await this.#launch(JSON.parse(row.spec) as ExecutableSpec, request);
      return this.deps.atomically(() => {
        const running = this.#running(starting, spawned);
        this.deps.events.record({ kind: "executable.restarted", cell, executable: name, attributes: { restart_count: String(running.restartCount), pid: String(running.pid), ...attributes }, labels: labelsOf(row) });
        return running;
      });
    } catch (err) {
      this.#backToExited(row);
      throw err;
    }
  }

  /** A next run that did not start: exited again with the previous run's exit (a Stop that came meanwhile ends). */
  #backToExited(row: ExecutableRow): void {
    this.deps.store.setExited(row.cell, row.name, ["starting", "stopping"], row.exitedAtMs, row.exitStatus, row.restartCount);
    this.#changes.notify(keyOf(row.cell, row.name));
  }

  /** As in start: a process that joins a frozen cgroup stops before it execs, and the start would wait for ever. */
  #requireThawed(cell: string, name: string): void {
    const frozen = this.deps.cells.frozenAt(cell);
    if (frozen !== undefined) throw precondition(`cell "${frozen}" is frozen: thaw it before starting "${name}" in "${cell}"`);
  }

  #requireProcess(row: ExecutableRow): void {
    if (row.state !== "running" && row.state !== "stopping")
      throw precondition(`executable "${row.name}" in cell "${row.cell}" is ${row.state}: it has no process`);
  }

  /** Backoff becomes exited, its timer cleared; undefined if the restart began first. */
  #cancelRestart(row: ExecutableRow): ExecutableRow | undefined {
    const key = keyOf(row.cell, row.name);
    if (!this.deps.store.setExited(row.cell, row.name, ["backoff"], row.exitedAtMs ?? Date.now(), row.exitStatus ?? "null")) return undefined;
    clearTimeout(this.#restartTimers.get(key));
    this.#restartTimers.delete(key);
    this.#changes.notify(key);
    return this.#require(row.cell, row.name);
  }

  /** Sends `signal` to the main process if it is still in its leaf cgroup (a reused pid would not be). */
  async #signalMainProcess(row: ExecutableRow, signal: number): Promise<void> {
    const pids = await this.deps.cgroups.pids(leafCgroup(row.cell, row.name));
    if (pids.includes(row.pid)) sendSignal(row.pid, signal);
  }

  /** True once the executable exited for good, false if `timeoutMs` passed first. */
  async #waitExited(cell: string, name: string, timeoutMs: number): Promise<boolean> {
    const exited = () => (this.deps.store.get(cell, name)?.state === "exited" ? true : undefined);
    return (await this.#changes.until(keyOf(cell, name), exited, AbortSignal.timeout(timeoutMs))) ?? false;
  }

  /** A check for StateChanges.until: the record once `ready` holds for it (NOT_FOUND if there is none). */
  #rowWhen(cell: string, name: string, ready: (row: ExecutableRow) => boolean): () => ExecutableRow | undefined {
    return () => {
      const row = this.#require(cell, name);
      return ready(row) ? row : undefined;
    };
  }

  #require(cell: string, name: string): ExecutableRow {
    validateCellName(cell, "cell_name");
    validateExecutableName(name, "name");
    const row = this.deps.store.get(cell, name);
    if (row) return row;
    this.deps.cells.require(cell); // a missing cell is the missing thing to name
    throw notFound(`executable "${name}" not found in cell "${cell}"`);
  }
}

function validateStopOptions(opts: StopOptions): { signal: number; graceMs: number } {
  const signal = opts.signal ?? SIGTERM;
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  checkSignal(signal);
  return { signal, graceMs: validateGracePeriodMs(graceMs, "grace_period_ms") };
}

function checkSignal(signal: number): void {
  if (!Number.isInteger(signal) || signal < 1 || signal > 64) throw invalid("signal", `must be 1 to 64, got ${signal}`);
}

const keyOf = (cell: string, name: string): string => `${cell}\0${name}`;

/** An exit to record: the run as it was adopted or started, how it ended, and when. */
interface ExitToRecord {
  readonly started: ExecutableRow;
  readonly exit: ExitStatus;
  readonly exitedAtMs: number;
}

/** An exit recorded: the record it changed, and whether and when the executable restarts. */
interface StoredExit {
  readonly row: ExecutableRow;
  readonly decision: ReturnType<typeof decideRestart>;
  readonly nextRestartAtMs: number;
}

/** A next run recorded as starting, its leaf made: what #runAgain spawns. */
interface NextRun {
  readonly row: ExecutableRow;
  readonly starting: ExecutableRow;
  readonly request: SpawnRequest;
}

/** The exit of a process the node lost track of: how it ended is unknown, and it counts as a failure. */
const LOST: ExitStatus = { code: null, signal: null, oomKilled: false, cpuUserUs: 0, cpuSystemUs: 0, lost: true };

const exitOf = (status: ShimStatus): ExitStatus => ({
  code: status.exitCode,
  signal: status.signal,
  oomKilled: status.oomKilled,
  cpuUserUs: status.cpuUserUs,
  cpuSystemUs: status.cpuSystemUs,
});
/** Whether the shim recorded an exit in `dir`; a corrupt record counts (the watch reports it unreadable: lost). */
function hasStatus(dir: string): boolean {
  try {
    return readShimStatus(dir) !== undefined;
  } catch {
    return true;
  }
}

const toBig = (n: number | undefined): bigint | undefined => (n === undefined ? undefined : BigInt(n));

const labelsOf = (row: ExecutableRow): ExecutableSpec["labels"] => (JSON.parse(row.spec) as ExecutableSpec).labels;

function toExecutable(row: ExecutableRow): Executable {
  const exit = row.exitStatus === null ? null : (JSON.parse(row.exitStatus) as ExitStatus | null);
  return {
    spec: JSON.parse(row.spec) as ExecutableSpec,
    state: row.state,
    pid: row.pid,
    startedAt: new Date(row.startedAtMs),
    restartCount: row.restartCount,
    ...(row.exitedAtMs !== null && { exitedAt: new Date(row.exitedAtMs) }),
    // Records from before cpu times were kept have none: 0.
    ...(exit && { exit: { ...exit, cpuUserUs: exit.cpuUserUs ?? 0, cpuSystemUs: exit.cpuSystemUs ?? 0 } }),
    ...(row.nextRestartAtMs !== null && { nextRestartAt: new Date(row.nextRestartAtMs) }),
  };
}

function spawnFailure(spec: ExecutableSpec, err: unknown): AuraeError | unknown {
  if (!(err instanceof SpawnError)) return err;
  const message = `start "${spec.name}" in cell "${spec.cell}": ${err.message}`;
  return CALLER_ERRNOS.has(err.code) ? precondition(message, { cause: err }) : internal(message, { cause: err });
}

