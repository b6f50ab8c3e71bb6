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

export class ExecutablesStore {
  readonly #upsert;
  readonly #markStopping;
  readonly #setRunning;
  readonly #setExited;
  readonly #setBackoff;
  readonly #delete;
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
    this.#setRunning = db.prepare<[number, number, string, string]>(
      "UPDATE executables SET state = 'running', pid = ?, started_at_ms = ?, next_restart_at_ms = NULL WHERE cell = ? AND name = ?",
    );
    this.#markStopping = db.prepare<[number, number, string, string]>(
      "UPDATE executables SET state = 'stopping', stop_signal = ?, stop_deadline_ms = ? WHERE cell = ? AND name = ? AND state = 'running'",
    );
    this.#setExited = db.prepare<[number, string, string, string]>(
      `UPDATE executables SET state = 'exited', exited_at_ms = ?, exit_status = ?, next_restart_at_ms = NULL
       WHERE cell = ? AND name = ?`,
    );
    this.#setBackoff = db.prepare<[number, string, number, number, string, string]>(
      `UPDATE executables SET state = 'backoff', exited_at_ms = ?, exit_status = ?, next_restart_at_ms = ?,
         backoff_step = ? WHERE cell = ? AND name = ?`,
    );
    this.#delete = db.prepare<[string, string]>("DELETE FROM executables WHERE cell = ? AND name = ?");
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

  /** A started run's process: starting becomes running. */
  setRunning(cell: string, name: string, pid: number, startedAtMs: number): void {
    this.#setRunning.run(pid, startedAtMs, cell, name);
  }

  /** Running becomes stopping; an exit recorded meanwhile stays recorded. */
  markStopping(cell: string, name: string, stop: { signal: number; deadlineMs: number }): void {
    this.#markStopping.run(stop.signal, stop.deadlineMs, cell, name);
  }

  /** Exited for good: the restart policy will not start it again. */
  setExited(cell: string, name: string, exitedAtMs: number, exitStatus: string): void {
    this.#setExited.run(exitedAtMs, exitStatus, cell, name);
  }

  /** Exited, with a restart due at `nextRestartAtMs`. */
  setBackoff(cell: string, name: string, exit: { exitedAtMs: number; exitStatus: string; nextRestartAtMs: number; backoffStep: number }): void {
    this.#setBackoff.run(exit.exitedAtMs, exit.exitStatus, exit.nextRestartAtMs, exit.backoffStep, cell, name);
  }

  delete(cell: string, name: string): void {
    this.#delete.run(cell, name);
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
