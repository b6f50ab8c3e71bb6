// Executables: a process per executable, run by the shim in a leaf cgroup of its cell (and in the cell's namespaces
// when it is isolated). The database holds what was asked and what was observed; the shim's status file is the
// truth about an exit, awaited for every running executable through one StatusWatch (inotify, no timer per
// workload); recover() adopts executables that were running when auraed last stopped. The restart policy turns an
// exit into a delayed start of the same executable.
import type { Logger } from "pino";
import { exists, internal, invalid, notFound, precondition, type AuraeError } from "../../errors.js";
import type { CgroupDriver, CgroupStats } from "../../runtime/cgroups/driver.js";
import { SpawnError, type SpawnRequest, type Spawned } from "../../runtime/shim/shim-client.js";
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

export interface ExecutablesDeps {
  /** Records what happens to executables in the node's event log. */
  readonly events: { record(event: NewEvent): unknown };
  /** Runs `fn` in one database transaction (Store.transaction): a change and its event land together or not at all. */
  readonly atomically: <T>(fn: () => T) => T;
  readonly store: ExecutablesStore;
  readonly cells: Cells;
  readonly cgroups: CgroupDriver;
  readonly shim: { spawn(req: SpawnRequest): Promise<Spawned> };
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
  #closed = false;

  constructor(private readonly deps: ExecutablesDeps) {}

  start(input: ExecutableSpec): Promise<Executable> {
    const spec = validateExecutableSpec(input);
    return this.deps.locks.run(treeLock(spec.cell), async () => {
      this.deps.cells.require(spec.cell);
      this.#requireThawed(spec.cell, spec.name);
      const previous = this.deps.store.get(spec.cell, spec.name);
      if (previous && previous.state !== "exited")
        throw exists(`executable "${spec.name}" in cell "${spec.cell}" is ${previous.state}: stop it before starting it again`);
      if (previous) await this.forget(spec.cell, spec.name);
      // Desired state first: a crash from here on leaves a "starting" record that the next auraed finishes.
      const starting: ExecutableRow = {
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
      this.deps.store.put(starting);
      let spawned: Pick<ExecutableRow, "pid" | "startedAtMs">;
      try {
        spawned = await this.#spawn(spec, 0);
      } catch (err) {
        this.deps.store.delete(spec.cell, spec.name);
        throw err;
      }
      const row = this.deps.atomically(() => {
        const row = this.#running(starting, spawned);
        this.deps.events.record({ kind: "executable.started", cell: spec.cell, executable: spec.name, attributes: { pid: String(row.pid) }, labels: spec.labels });
        return row;
      });
      return toExecutable(row);
    });
  }

  /** The record once it is past "starting" (a start in flight finishes within moments). */
  async #settled(cell: string, name: string): Promise<ExecutableRow> {
    const settled = this.#rowWhen(cell, name, (row) => row.state !== "starting");
    return (await this.#changes.until(keyOf(cell, name), settled, AbortSignal.timeout(KILL_TIMEOUT_MS))) ?? this.#require(cell, name);
  }

  /** Records a spawned run as running and starts watching for its exit. */
  #running(starting: ExecutableRow, spawned: Pick<ExecutableRow, "pid" | "startedAtMs">): ExecutableRow {
    this.deps.store.setRunning(starting.cell, starting.name, spawned.pid, spawned.startedAtMs);
    const row: ExecutableRow = { ...starting, ...spawned, state: "running", nextRestartAtMs: null };
    this.#watch(row);
    this.#changes.notify(keyOf(row.cell, row.name));
    return row;
  }

  async stop(cell: string, name: string, opts: StopOptions): Promise<Executable> {
    const { signal, graceMs } = validateStopOptions(opts);
    const row = await this.#settled(cell, name);
    if (row.state === "exited") return toExecutable(row); // as CRI StopContainer: stopping a stopped one is no error
    if (row.state === "backoff") return toExecutable(this.#cancelRestart(row));
    this.deps.atomically(() => {
      this.deps.store.markStopping(cell, name, { signal, deadlineMs: Date.now() + graceMs });
      this.deps.events.record({ kind: "executable.stopped", cell, executable: name, attributes: { signal: String(signal) }, labels: labelsOf(row) });
    });
    this.#changes.notify(keyOf(cell, name));
    await this.#signalMainProcess(row, signal);
    if (!(await this.#waitExited(cell, name, graceMs))) {
      await this.deps.cgroups.kill(leafCgroup(cell, name));
      if (!(await this.#waitExited(cell, name, KILL_TIMEOUT_MS)))
        throw internal(`executable "${name}" in cell "${cell}" survived SIGKILL for ${KILL_TIMEOUT_MS} ms`);
    }
    return toExecutable(this.#require(cell, name));
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
    return this.deps.locks.run(treeLock(cell), async () => {
      const row = this.#require(cell, name);
      if (row.state !== "exited" || row.startedAtMs !== stopped.startedAt.getTime())
        throw precondition(`executable "${name}" in cell "${cell}" was started by another call while it restarted; it is ${row.state}`);
      this.#requireThawed(cell, name);
      return toExecutable(await this.#runAgain({ ...row, backoffStep: 0 }, { requested: "true" }));
    });
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

  /** Where the executable's log is, and whether it is complete: exited for good and its last shim closed it. */
  async logOf(cell: string, name: string): Promise<{ dir: string; closed: () => Promise<boolean> }> {
    this.#require(cell, name);
    const dir = executableDir(this.deps.stateRoot, cell, name);
    const closed = async (): Promise<boolean> => {
      const row = this.deps.store.get(cell, name);
      if (row?.state !== "exited") return row === undefined;
      return (await readShimStatus(runDir(dir, row.restartCount)))?.logClosed ?? false;
    };
    return { dir: logDir(dir), closed };
  }

  /** Stops every executable on the node, those of the deepest cells first (children before what they serve). */
  async stopEverything(graceMs: number): Promise<void> {
    const cells = [...new Set(this.deps.store.active().map((x) => x.cell))];
    cells.sort((a, b) => b.split("/").length - a.split("/").length);
    for (const cell of cells) await this.stopAll(cell, graceMs);
  }

  async stopAll(cell: string, graceMs: number): Promise<void> {
    const active = this.deps.store.inCell(cell).filter((x) => x.state !== "exited");
    await Promise.all(active.map((x) => this.stop(cell, x.name, { graceMs })));
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
    for (const row of this.deps.store.active()) {
      try {
        await this.#recoverOne(row);
      } catch (err) {
        this.deps.log.error({ err, cell: row.cell, name: row.name }, "recovering an executable failed");
      }
    }
  }

  async #recoverOne(row: ExecutableRow): Promise<void> {
    if (row.state === "backoff") return this.#scheduleRestart(row.cell, row.name, row.nextRestartAtMs ?? Date.now());
    const dir = runDir(executableDir(this.deps.stateRoot, row.cell, row.name), row.restartCount);
    if (row.state === "starting") return this.#finishStart(row, dir);
    if ((await readShimStatus(dir).catch(() => "corrupt")) || (await this.#isRunning(row, row.pid))) {
      this.#watch(row);
      if (row.state === "stopping") void this.#finishStop(row);
      return;
    }
    await this.#recordExit(row, LOST, Date.now());
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
    for (let waited = 0; waited < 50 && !(await readShimStatus(dir)) && !(await readShimPid(dir)) && (await isShimRunning(dir)); waited++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const status = await readShimStatus(dir);
    const pid = status?.pid ?? (await readShimPid(dir));
    if (pid !== undefined && (status || (await this.#isRunning(row, pid)))) {
      this.#running(row, { pid, startedAtMs: status ? Number(status.startedAtUnixNano / 1_000_000n) : row.startedAtMs });
      return;
    }
    await this.deps.locks.run(treeLock(row.cell), async () => {
      await discardDir(dir, trashDir(this.deps.stateRoot));
      this.#running(row, await this.#spawn(JSON.parse(row.spec) as ExecutableSpec, row.restartCount));
    });
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

  async #spawn(spec: ExecutableSpec, restartCount: number): Promise<Pick<ExecutableRow, "pid" | "startedAtMs">> {
    const dir = executableDir(this.deps.stateRoot, spec.cell, spec.name);
    const leaf = leafCgroup(spec.cell, spec.name);
    const credentials = await resolveCredentials(spec, this.deps.etcDir);
    const namespaces = await this.deps.cells.namespacesFor(spec.cell);
    await this.deps.cgroups.createLeaf(leaf);
    try {
      const spawned = await this.deps.shim.spawn({
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
      });
      return { pid: spawned.pid, startedAtMs: Number(spawned.startedAtUnixNano / 1_000_000n) };
    } catch (err) {
      await this.deps.cgroups.remove(leaf).catch((e: unknown) => this.deps.log.warn({ err: e, leaf }, "remove leaf cgroup"));
      throw spawnFailure(spec, err);
    }
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

  async #recordExit(started: ExecutableRow, exit: ExitStatus, exitedAtMs: number): Promise<void> {
    const { cell, name } = started;
    // As systemd's KillMode=control-group: when the main process is gone, what it left behind goes too, before
    // the exit is visible, so whoever waits for it finds the cgroup gone.
    const leaf = leafCgroup(cell, name);
    try {
      await this.deps.cgroups.kill(leaf);
      await this.deps.cgroups.remove(leaf);
    } catch (err) {
      this.deps.log.warn({ err, leaf }, "clean up the leaf cgroup of an exited executable");
    }
    const row = this.deps.store.get(cell, name) ?? started;
    const spec = JSON.parse(row.spec) as ExecutableSpec;
    const decision = decideRestart(spec.restart, exit, {
      restartCount: row.restartCount,
      backoffStep: row.backoffStep,
      runMs: exitedAtMs - row.startedAtMs,
      stopped: row.state === "stopping",
    });
    const exitStatus = JSON.stringify(exit);
    this.deps.atomically(() => {
      if (decision.restart) {
        const nextRestartAtMs = Date.now() + decision.delayMs;
        this.deps.store.setBackoff(cell, name, { exitedAtMs, exitStatus, nextRestartAtMs, backoffStep: decision.backoffStep });
        this.#scheduleRestart(cell, name, nextRestartAtMs);
      } else {
        this.deps.store.setExited(cell, name, exitedAtMs, exitStatus);
      }
      this.deps.log.info({ cell, name, pid: row.pid, exit, restart: decision }, "executable exited");
      if (exit.oomKilled) this.deps.events.record({ kind: "executable.oom_killed", cell, executable: name, attributes: { pid: String(row.pid) }, labels: spec.labels });
      this.deps.events.record({ kind: "executable.exited", cell, executable: name, attributes: exitAttributes(exit), labels: spec.labels });
    });
    this.#changes.notify(keyOf(cell, name));
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

  #restart(cell: string, name: string): Promise<void> {
    return this.deps.locks.run(treeLock(cell), async () => {
      const row = this.deps.store.get(cell, name);
      if (!row || row.state !== "backoff" || this.#closed) return;
      // As in start: not into a frozen cell. Try again later; it stays in backoff until the cell is thawed.
      if (this.deps.cells.frozenAt(cell) !== undefined) return this.#scheduleRestart(cell, name, Date.now() + FROZEN_RETRY_MS);
      await this.#runAgain(row, {}).catch((err: unknown) => this.deps.log.error({ err, cell, name }, "restart failed; the executable stays exited"));
    });
  }

  /**
   * Starts the recorded spec of an executable that exited as its next run; run under the tree lock. Desired state
   * first, as in start. If the spawn fails the executable is recorded as exited again and the error thrown.
   */
  async #runAgain(row: ExecutableRow, attributes: Record<string, string>): Promise<ExecutableRow> {
    const starting: ExecutableRow = { ...row, state: "starting", pid: 0, startedAtMs: Date.now(), restartCount: row.restartCount + 1, nextRestartAtMs: null };
    this.deps.store.put(starting);
    try {
      const spawned = await this.#spawn(JSON.parse(row.spec) as ExecutableSpec, starting.restartCount);
      return this.deps.atomically(() => {
        const next = this.#running(starting, spawned);
        const { cell, name } = row;
        this.deps.events.record({ kind: "executable.restarted", cell, executable: name, attributes: { restart_count: String(next.restartCount), pid: String(next.pid), ...attributes }, labels: labelsOf(row) });
        return next;
      });
    } catch (err) {
      this.deps.store.put({ ...row, state: "exited", nextRestartAtMs: null });
      this.#changes.notify(keyOf(row.cell, row.name));
      throw err;
    }
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

  #cancelRestart(row: ExecutableRow): ExecutableRow {
    const key = keyOf(row.cell, row.name);
    clearTimeout(this.#restartTimers.get(key));
    this.#restartTimers.delete(key);
    this.deps.store.setExited(row.cell, row.name, row.exitedAtMs ?? Date.now(), row.exitStatus ?? "null");
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
    if (!row) throw notFound(`executable "${name}" not found in cell "${cell}"`);
    return row;
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

/** The exit of a process the node lost track of: how it ended is unknown, and it counts as a failure. */
const LOST: ExitStatus = { code: null, signal: null, oomKilled: false, cpuUserUs: 0, cpuSystemUs: 0, lost: true };

const exitOf = (status: ShimStatus): ExitStatus => ({
  code: status.exitCode,
  signal: status.signal,
  oomKilled: status.oomKilled,
  cpuUserUs: status.cpuUserUs,
  cpuSystemUs: status.cpuSystemUs,
});
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

