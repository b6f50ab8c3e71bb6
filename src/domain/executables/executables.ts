// Executables: a process per executable, run by the shim in a leaf cgroup of its cell. The database holds what
// was asked and what was observed; the shim's status file is the truth about an exit, read by a watcher per
// running executable (which also adopts executables that were running when auraed last stopped).
import { rm } from "node:fs/promises";
import type { Logger } from "pino";
import { exists, internal, invalid, notFound, precondition, type AuraeError } from "../../errors.js";
import type { CgroupDriver } from "../../runtime/cgroups/driver.js";
import { SpawnError, type SpawnRequest, type Spawned } from "../../runtime/shim/shim-client.js";
import { readShimStatus, type ShimStatus } from "../../runtime/shim/shim-status.js";
import { DirWatcher } from "../../runtime/shim/watch-dir.js";
import type { ExecutableRow, ExecutablesStore } from "../../store/executables-store.js";
import type { Cells } from "../cells/cells.js";
import { treeLock } from "../cells/cells.js";
import type { KeyedMutex } from "../keyed-mutex.js";
import { validateCellName, validateExecutableName } from "../names.js";
import { decodePageToken, encodePageToken, validatePageSize, type PageRequest } from "../pagination.js";
import { validateExecutableSpec, type Executable, type ExecutableSpec, type ExitStatus } from "./executable-spec.js";
import { executableDir, leafCgroup, logFile } from "./layout.js";

export interface ExecutablesDeps {
  readonly store: ExecutablesStore;
  readonly cells: Cells;
  readonly cgroups: CgroupDriver;
  readonly shim: { spawn(req: SpawnRequest): Promise<Spawned> };
  readonly locks: KeyedMutex;
  readonly stateRoot: string;
  readonly log: Logger;
}

export interface StopOptions {
  /** First signal; SIGTERM when absent. */
  readonly signal?: number;
  /** How long to wait for an exit after the first signal before SIGKILL; 10 s when absent. */
  readonly graceMs?: number;
}

const DEFAULT_GRACE_MS = 10_000;
const MAX_GRACE_MS = 3_600_000;
const SIGTERM = 15;

/** How long SIGKILL may take to end a process tree before Stop gives up and says so. */
const KILL_TIMEOUT_MS = 10_000;

// errnos of exec and chdir that mean "the cell has no such runnable program or directory": the caller's to fix.
const CALLER_ERRNOS = new Set(["ENOENT", "EACCES", "ENOTDIR", "ENOEXEC", "ELOOP", "ENAMETOOLONG", "EISDIR", "E2BIG"]);

export class Executables {
  /** Settles when the running executable under each key has exited and its exit is recorded. */
  readonly #exits = new Map<string, Promise<void>>();
  readonly #closing = new AbortController();

  constructor(private readonly deps: ExecutablesDeps) {}

  start(input: ExecutableSpec): Promise<Executable> {
    const spec = validateExecutableSpec(input);
    return this.deps.locks.run(treeLock(spec.cell), async () => {
      this.deps.cells.require(spec.cell);
      const previous = this.deps.store.get(spec.cell, spec.name);
      if (previous && previous.state !== "exited")
        throw exists(`executable "${spec.name}" in cell "${spec.cell}" is ${previous.state}: stop it before starting it again`);
      if (previous) await this.forget(spec.cell, spec.name);
      const row = await this.#spawn(spec);
      this.deps.store.put(row);
      this.#watch(row);
      return toExecutable(row);
    });
  }

  async stop(cell: string, name: string, opts: StopOptions): Promise<Executable> {
    const { signal, graceMs } = validateStopOptions(opts);
    const row = this.#require(cell, name);
    if (row.state === "exited") return toExecutable(row); // as CRI StopContainer: stopping a stopped one is no error
    this.deps.store.markStopping(cell, name);
    await this.#signalMainProcess(row, signal);
    if (!(await this.#waitExit(row, graceMs))) {
      await this.deps.cgroups.kill(leafCgroup(cell, name));
      if (!(await this.#waitExit(row, KILL_TIMEOUT_MS)))
        throw internal(`executable "${name}" in cell "${cell}" survived SIGKILL for ${KILL_TIMEOUT_MS} ms`);
    }
    return toExecutable(this.#require(cell, name));
  }

  get(cell: string, name: string): Executable {
    return toExecutable(this.#require(cell, name));
  }

  list(cell: string | undefined, page: PageRequest): { executables: Executable[]; nextPageToken: string } {
    if (cell !== undefined) validateCellName(cell, "cell_name");
    const size = validatePageSize(page.pageSize);
    const [afterCell, afterName] = decodePageToken(page.pageToken, 2);
    const rows = this.deps.store.page({ cell: afterCell!, name: afterName! }, size + 1, cell);
    const executables = rows.slice(0, size).map(toExecutable);
    const last = executables.at(-1)?.spec;
    return { executables, nextPageToken: rows.length > size && last ? encodePageToken([last.cell, last.name]) : "" };
  }

  /** Where the executable's output is, and whether it is complete (its shim closed it). */
  async logOf(cell: string, name: string): Promise<{ path: string; dir: string; closed: () => Promise<boolean> }> {
    this.#require(cell, name);
    const dir = executableDir(this.deps.stateRoot, cell, name);
    return { path: logFile(dir), dir, closed: async () => (await readShimStatus(dir))?.logClosed ?? false };
  }

  /** Drops an exited executable: its record and its files. */
  async forget(cell: string, name: string): Promise<void> {
    await rm(executableDir(this.deps.stateRoot, cell, name), { recursive: true, force: true });
    this.deps.store.delete(cell, name);
  }

  /** Watches every executable the database says runs: those that exited while auraed was down are recorded now. */
  recover(): void {
    for (const row of this.deps.store.active()) this.#watch(row);
  }

  /** Stops watching; workloads keep running (their shims outlive the daemon). */
  close(): void {
    this.#closing.abort();
  }

  async #spawn(spec: ExecutableSpec): Promise<ExecutableRow> {
    const dir = executableDir(this.deps.stateRoot, spec.cell, spec.name);
    const leaf = leafCgroup(spec.cell, spec.name);
    await rm(dir, { recursive: true, force: true });
    await this.deps.cgroups.createLeaf(leaf);
    try {
      const spawned = await this.deps.shim.spawn({
        stateDir: dir,
        logPath: logFile(dir),
        argv: spec.argv,
        env: spec.env,
        cwd: spec.cwd,
        cgroupDirs: this.deps.cgroups.dirs(leaf),
        oomEventsFile: this.deps.cgroups.oomEventsFile(leaf),
      });
      return {
        cell: spec.cell,
        name: spec.name,
        spec: JSON.stringify(spec),
        state: "running",
        pid: spawned.pid,
        startedAtMs: Number(spawned.startedAtUnixNano / 1_000_000n),
        exitedAtMs: null,
        exitStatus: null,
      };
    } catch (err) {
      await this.deps.cgroups.remove(leaf).catch((e: unknown) => this.deps.log.warn({ err: e, leaf }, "remove leaf cgroup"));
      await rm(dir, { recursive: true, force: true });
      throw spawnFailure(spec, err);
    }
  }

  #watch(row: ExecutableRow): void {
    const key = keyOf(row.cell, row.name);
    const exited = this.#watchExit(row).catch((err: unknown) =>
      this.deps.log.error({ err, cell: row.cell, name: row.name }, "watching executable failed"),
    );
    this.#exits.set(key, exited);
    void exited.finally(() => {
      if (this.#exits.get(key) === exited) this.#exits.delete(key);
    });
  }

  async #watchExit(row: ExecutableRow): Promise<void> {
    const dir = executableDir(this.deps.stateRoot, row.cell, row.name);
    const watcher = new DirWatcher(dir, 1000);
    try {
      while (!this.#closing.signal.aborted) {
        const status = await readShimStatus(dir);
        if (status) return await this.#recordExit(row, status);
        await watcher.changed(this.#closing.signal);
      }
    } finally {
      watcher.close();
    }
  }

  async #recordExit(row: ExecutableRow, status: ShimStatus): Promise<void> {
    const exit: ExitStatus = { code: status.exitCode, signal: status.signal, oomKilled: status.oomKilled };
    this.deps.store.setExited(row.cell, row.name, Number(status.exitedAtUnixNano / 1_000_000n), JSON.stringify(exit));
    this.deps.log.info({ cell: row.cell, name: row.name, pid: row.pid, exit }, "executable exited");
    // As systemd's KillMode=control-group: when the main process is gone, what it left behind goes too.
    const leaf = leafCgroup(row.cell, row.name);
    try {
      await this.deps.cgroups.kill(leaf);
      await this.deps.cgroups.remove(leaf);
    } catch (err) {
      this.deps.log.warn({ err, leaf }, "clean up the leaf cgroup of an exited executable");
    }
  }

  /** Sends `signal` to the main process if it is still in its leaf cgroup (a reused pid would not be). */
  async #signalMainProcess(row: ExecutableRow, signal: number): Promise<void> {
    const pids = await this.deps.cgroups.pids(leafCgroup(row.cell, row.name));
    if (!pids.includes(row.pid)) return;
    try {
      process.kill(row.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw internal(`signal ${signal} to pid ${row.pid}: ${(err as Error).message}`);
    }
  }

  /** True once the exit is recorded, false if `timeoutMs` passed first. */
  async #waitExit(row: ExecutableRow, timeoutMs: number): Promise<boolean> {
    const exited = this.#exits.get(keyOf(row.cell, row.name));
    if (exited) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([exited, timeout]);
      clearTimeout(timer);
    }
    return this.deps.store.get(row.cell, row.name)?.state === "exited";
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
  if (!Number.isInteger(signal) || signal < 1 || signal > 64) throw invalid("signal", `must be 1 to 64, got ${signal}`);
  if (!Number.isInteger(graceMs) || graceMs < 0 || graceMs > MAX_GRACE_MS)
    throw invalid("grace_period_ms", `must be 0 to ${MAX_GRACE_MS}, got ${graceMs}`);
  return { signal, graceMs };
}

const keyOf = (cell: string, name: string): string => `${cell}\0${name}`;

function toExecutable(row: ExecutableRow): Executable {
  return {
    spec: JSON.parse(row.spec) as ExecutableSpec,
    state: row.state,
    pid: row.pid,
    startedAt: new Date(row.startedAtMs),
    ...(row.exitedAtMs !== null && { exitedAt: new Date(row.exitedAtMs) }),
    ...(row.exitStatus !== null && { exit: JSON.parse(row.exitStatus) as ExitStatus }),
  };
}

function spawnFailure(spec: ExecutableSpec, err: unknown): AuraeError | unknown {
  if (!(err instanceof SpawnError)) return err;
  const message = `start "${spec.name}" in cell "${spec.cell}": ${err.message}`;
  return CALLER_ERRNOS.has(err.code) ? precondition(message, { cause: err }) : internal(message, { cause: err });
}
