import type { Db } from "./database.js";

export type ExecutableStateRow = "running" | "stopping" | "exited";

export interface ExecutableRow {
  readonly cell: string;
  readonly name: string;
  readonly spec: string;
  readonly state: ExecutableStateRow;
  readonly pid: number;
  readonly startedAtMs: number;
  readonly exitedAtMs: number | null;
  readonly exitStatus: string | null;
}

const COLUMNS =
  "cell, name, spec, state, pid, started_at_ms AS startedAtMs, exited_at_ms AS exitedAtMs, exit_status AS exitStatus";

export class ExecutablesStore {
  readonly #upsert;
  readonly #markStopping;
  readonly #setExited;
  readonly #delete;
  readonly #get;
  readonly #page;
  readonly #pageInCell;
  readonly #countActiveInCell;
  readonly #inCell;
  readonly #active;

  constructor(db: Db) {
    this.#upsert = db.prepare<ExecutableRow>(
      `INSERT OR REPLACE INTO executables (cell, name, spec, state, pid, started_at_ms, exited_at_ms, exit_status)
       VALUES (@cell, @name, @spec, @state, @pid, @startedAtMs, @exitedAtMs, @exitStatus)`,
    );
    this.#markStopping = db.prepare<[string, string]>(
      "UPDATE executables SET state = 'stopping' WHERE cell = ? AND name = ? AND state = 'running'",
    );
    this.#setExited = db.prepare<[number, string, string, string]>(
      "UPDATE executables SET state = 'exited', exited_at_ms = ?, exit_status = ? WHERE cell = ? AND name = ?",
    );
    this.#delete = db.prepare<[string, string]>("DELETE FROM executables WHERE cell = ? AND name = ?");
    this.#get = db.prepare<[string, string], ExecutableRow>(`SELECT ${COLUMNS} FROM executables WHERE cell = ? AND name = ?`);
    this.#page = db.prepare<[string, string, string, number], ExecutableRow>(
      `SELECT ${COLUMNS} FROM executables WHERE cell > ? OR (cell = ? AND name > ?) ORDER BY cell, name LIMIT ?`,
    );
    this.#pageInCell = db.prepare<[string, string, number], ExecutableRow>(
      `SELECT ${COLUMNS} FROM executables WHERE cell = ? AND name > ? ORDER BY name LIMIT ?`,
    );
    this.#countActiveInCell = db.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM executables WHERE cell = ? AND state != 'exited'",
    );
    this.#inCell = db.prepare<[string], ExecutableRow>(`SELECT ${COLUMNS} FROM executables WHERE cell = ?`);
    this.#active = db.prepare<[], ExecutableRow>(`SELECT ${COLUMNS} FROM executables WHERE state != 'exited'`);
  }

  /** Inserts, or replaces an earlier run of the same name. */
  put(row: ExecutableRow): void {
    this.#upsert.run(row);
  }

  /** Running becomes stopping; an exit recorded meanwhile stays recorded. */
  markStopping(cell: string, name: string): void {
    this.#markStopping.run(cell, name);
  }

  setExited(cell: string, name: string, exitedAtMs: number, exitStatus: string): void {
    this.#setExited.run(exitedAtMs, exitStatus, cell, name);
  }

  delete(cell: string, name: string): void {
    this.#delete.run(cell, name);
  }

  get(cell: string, name: string): ExecutableRow | undefined {
    return this.#get.get(cell, name);
  }

  /** Executables after the (cell, name) cursor, in that order; only those of `cell` when it is given. */
  page(after: { cell: string; name: string }, limit: number, cell?: string): ExecutableRow[] {
    if (cell !== undefined) return this.#pageInCell.all(cell, after.cell === cell ? after.name : "", limit);
    return this.#page.all(after.cell, after.cell, after.name, limit);
  }

  countActiveInCell(cell: string): number {
    return this.#countActiveInCell.get(cell)!.n;
  }

  inCell(cell: string): ExecutableRow[] {
    return this.#inCell.all(cell);
  }

  /** Every executable not yet known to have exited. */
  active(): ExecutableRow[] {
    return this.#active.all();
  }
}
