import type { Db } from "./database.js";
import { selectorCondition, selectorParam, type SelectorRequirement } from "./label-selector-sql.js";

export type ExecutableStateRow = "starting" | "running" | "stopping" | "exited" | "backoff";

export interface ExecutableRow {
  readonly cell: string;
  readonly name: string;
  readonly spec: string;
  readonly state: ExecutableStateRow;
  readonly pid: number;
  readonly startedAtMs: number;
  readonly exitedAtMs: number | null;
  readonly exitStatus: string | null;
  readonly restartCount: number;
  /** Quick exits in a row: the exponent of the restart delay. */
  readonly backoffStep: number;
  readonly nextRestartAtMs: number | null;
  /** Set while stopping, so a stop cut short by a crash can be finished. */
  readonly stopSignal?: number | null;
  readonly stopDeadlineMs?: number | null;
}

const COLUMNS = `cell, name, spec, state, pid, started_at_ms AS startedAtMs, exited_at_ms AS exitedAtMs,
  exit_status AS exitStatus, restart_count AS restartCount, backoff_step AS backoffStep,
  next_restart_at_ms AS nextRestartAtMs, stop_signal AS stopSignal, stop_deadline_ms AS stopDeadlineMs`;

/** States as a JSON array, for `state IN (SELECT value FROM json_each(?))`: a write applies only from these. */
const IN_STATES = "state IN (SELECT value FROM json_each(@from))";
const KEY = "cell = @cell AND name = @name";

type Key = { cell: string; name: string };
type From = { from: string };

/**
 * Every state write names the states it expects (src/domain/executables/state.ts says which) and answers whether it
 * applied: a write that lost a race changes nothing, and its caller sees so.
 */
export class ExecutablesStore {
  readonly #upsert;
  readonly #restarting;
  readonly #markStopping;
  readonly #setRunning;
  readonly #setStoppingPid;
  readonly #setExited;
  readonly #setBackoff;
  readonly #delete;
  readonly #deleteIn;
  readonly #get;
  readonly #page;
  readonly #inCell;
  readonly #active;

  constructor(db: Db) {
    this.#upsert = db.prepare<ExecutableRow>(
      `INSERT OR REPLACE INTO executables (cell, name, spec, state, pid, started_at_ms, exited_at_ms, exit_status,
         restart_count, backoff_step, next_restart_at_ms)
       VALUES (@cell, @name, @spec, @state, @pid, @startedAtMs, @exitedAtMs, @exitStatus,
         @restartCount, @backoffStep, @nextRestartAtMs)`,
    );
    this.#restarting = db.prepare<Key & From & { startedAtMs: number; restartCount: number; backoffStep: number }>(
      `UPDATE executables SET state = 'starting', pid = 0, started_at_ms = @startedAtMs, restart_count = @restartCount,
         backoff_step = @backoffStep, next_restart_at_ms = NULL, stop_signal = NULL, stop_deadline_ms = NULL
       WHERE ${KEY} AND ${IN_STATES}`,
    );
    this.#setRunning = db.prepare<Key & { pid: number; startedAtMs: number }>(
      `UPDATE executables SET state = 'running', pid = @pid, started_at_ms = @startedAtMs, next_restart_at_ms = NULL
       WHERE ${KEY} AND state = 'starting'`,
    );
    this.#setStoppingPid = db.prepare<Key & { pid: number; startedAtMs: number }>(
      `UPDATE executables SET pid = @pid, started_at_ms = @startedAtMs WHERE ${KEY} AND state = 'stopping' AND pid = 0`,
    );
    this.#markStopping = db.prepare<Key & From & { signal: number; deadlineMs: number }>(
      `UPDATE executables SET state = 'stopping', stop_signal = @signal, stop_deadline_ms = @deadlineMs
       WHERE ${KEY} AND ${IN_STATES}`,
    );
    this.#setExited = db.prepare<Key & From & { exitedAtMs: number | null; exitStatus: string | null; restartCount: number | null }>(
      `UPDATE executables SET state = 'exited', exited_at_ms = @exitedAtMs, exit_status = @exitStatus,
         restart_count = COALESCE(@restartCount, restart_count), next_restart_at_ms = NULL WHERE ${KEY} AND ${IN_STATES}`,
    );
    this.#setBackoff = db.prepare<Key & From & { exitedAtMs: number; exitStatus: string; nextRestartAtMs: number; backoffStep: number }>(
      `UPDATE executables SET state = 'backoff', exited_at_ms = @exitedAtMs, exit_status = @exitStatus,
         next_restart_at_ms = @nextRestartAtMs, backoff_step = @backoffStep WHERE ${KEY} AND ${IN_STATES}`,
    );
    this.#delete = db.prepare<[string, string]>("DELETE FROM executables WHERE cell = ? AND name = ?");
    this.#deleteIn = db.prepare<Key & From>(`DELETE FROM executables WHERE ${KEY} AND ${IN_STATES}`);
    this.#get = db.prepare<[string, string], ExecutableRow>(`SELECT ${COLUMNS} FROM executables WHERE cell = ? AND name = ?`);
    this.#page = db.prepare<{ afterCell: string; afterName: string; under: string | null; selector: string | null; limit: number }, ExecutableRow>(
      `SELECT ${COLUMNS} FROM executables
       WHERE (cell > @afterCell OR (cell = @afterCell AND name > @afterName))
         AND (@under IS NULL OR cell = @under OR substr(cell, 1, length(@under) + 1) = @under || '/')
         AND ${selectorCondition("spec, '$.labels'", "@selector")}
       ORDER BY cell, name LIMIT @limit`,
    );
    this.#inCell = db.prepare<[string], ExecutableRow>(`SELECT ${COLUMNS} FROM executables WHERE cell = ?`);
    this.#active = db.prepare<[], ExecutableRow>(`SELECT ${COLUMNS} FROM executables WHERE state != 'exited'`);
  }

  /** Inserts, or replaces an earlier run of the same name. */
  put(row: ExecutableRow): void {
    this.#upsert.run(row);
  }

  /** The next run of an executable in one of `from`: starting, with no pid yet. */
  setRestarting(cell: string, name: string, from: readonly ExecutableStateRow[], run: { startedAtMs: number; restartCount: number; backoffStep: number }): boolean {
    return this.#restarting.run({ cell, name, from: JSON.stringify(from), ...run }).changes > 0;
  }

  /** A started run's process: starting becomes running. */
  setRunning(cell: string, name: string, pid: number, startedAtMs: number): boolean {
    return this.#setRunning.run({ cell, name, pid, startedAtMs }).changes > 0;
  }

  /** A started run's process when a Stop came first: it stays stopping, and the stop now has a pid to signal. */
  setStoppingPid(cell: string, name: string, pid: number, startedAtMs: number): boolean {
    return this.#setStoppingPid.run({ cell, name, pid, startedAtMs }).changes > 0;
  }

  /** One of `from` becomes stopping, with the stop's signal and deadline kept for a restarted auraed. */
  markStopping(cell: string, name: string, from: readonly ExecutableStateRow[], stop: { signal: number; deadlineMs: number }): boolean {
    return this.#markStopping.run({ cell, name, from: JSON.stringify(from), ...stop }).changes > 0;
  }

  /** Exited for good: the restart policy will not start it again. `restartCount` puts back a run that never started. */
  setExited(cell: string, name: string, from: readonly ExecutableStateRow[], exitedAtMs: number | null, exitStatus: string | null, restartCount?: number): boolean {
    return this.#setExited.run({ cell, name, from: JSON.stringify(from), exitedAtMs, exitStatus, restartCount: restartCount ?? null }).changes > 0;
  }

  /** Exited, with a restart due at `nextRestartAtMs`. */
  setBackoff(cell: string, name: string, from: readonly ExecutableStateRow[], exit: { exitedAtMs: number; exitStatus: string; nextRestartAtMs: number; backoffStep: number }): boolean {
    return this.#setBackoff.run({ cell, name, from: JSON.stringify(from), ...exit }).changes > 0;
  }

  delete(cell: string, name: string): void {
    this.#delete.run(cell, name);
  }

  /** Deletes the record if it is in one of `from` (a start rolled back). */
  deleteIn(cell: string, name: string, from: readonly ExecutableStateRow[]): boolean {
    return this.#deleteIn.run({ cell, name, from: JSON.stringify(from) }).changes > 0;
  }

  get(cell: string, name: string): ExecutableRow | undefined {
    return this.#get.get(cell, name);
  }

  /**
   * Executables after the (cell, name) cursor, in that order; with `under`, only those of that cell and below; with
   * `selector`, only those whose spec's labels match it.
   */
  page(after: { cell: string; name: string }, limit: number, under?: string, selector?: readonly SelectorRequirement[]): ExecutableRow[] {
    return this.#page.all({ afterCell: after.cell, afterName: after.name, under: under || null, selector: selectorParam(selector), limit });
  }

  inCell(cell: string): ExecutableRow[] {
    return this.#inCell.all(cell);
  }

  /** Every executable not exited for good (starting, running, stopping or waiting to restart). */
  active(): ExecutableRow[] {
    return this.#active.all();
  }
}
