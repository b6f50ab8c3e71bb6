import type { Db } from "./database.js";
import { selectorCondition, selectorParam, type SelectorRequirement } from "./label-selector-sql.js";

export interface CellRow {
  readonly name: string;
  readonly spec: string;
  readonly createdAtMs: number;
  readonly initPid: number | null;
  /** Whether the cell is to stay frozen (1) until thawed. */
  readonly frozen: number;
}

/** Counters of removed cgroups below a cell, kept because the kernel forgot them. */
export interface RetiredUsageRow {
  readonly oomKills: number;
  readonly ioReadBytes: number;
  readonly ioWriteBytes: number;
}

const COLUMNS = "name, spec, created_at_ms AS createdAtMs, init_pid AS initPid, frozen";

export class CellsStore {
  readonly #insert;
  readonly #delete;
  readonly #get;
  readonly #page;
  readonly #descendants;
  readonly #setSpec;
  readonly #setInitPid;
  readonly #isolated;
  readonly #setFrozen;
  readonly #retire;
  readonly #retired;

  constructor(db: Db) {
    this.#insert = db.prepare<CellRow>(
      "INSERT INTO cells (name, spec, created_at_ms, init_pid, frozen) VALUES (@name, @spec, @createdAtMs, @initPid, @frozen)",
    );
    this.#delete = db.prepare<[string]>("DELETE FROM cells WHERE name = ?");
    this.#get = db.prepare<[string], CellRow>(`SELECT ${COLUMNS} FROM cells WHERE name = ?`);
    this.#page = db.prepare<{ after: string; under: string | null; selector: string | null; limit: number }, CellRow>(
      `SELECT ${COLUMNS} FROM cells
       WHERE name > @after AND (@under IS NULL OR name = @under OR substr(name, 1, length(@under) + 1) = @under || '/')
         AND ${selectorCondition("spec, '$.labels'", "@selector")}
       ORDER BY name LIMIT @limit`,
    );
    this.#descendants = db.prepare<{ name: string }, { name: string }>(
      "SELECT name FROM cells WHERE substr(name, 1, length(@name) + 1) = @name || '/' ORDER BY name",
    );
    this.#setSpec = db.prepare<[string, string]>("UPDATE cells SET spec = ? WHERE name = ?");
    this.#setInitPid = db.prepare<[number | null, string]>("UPDATE cells SET init_pid = ? WHERE name = ?");
    this.#setFrozen = db.prepare<[number, string]>("UPDATE cells SET frozen = ? WHERE name = ?");
    this.#isolated = db.prepare<[], CellRow>(`SELECT ${COLUMNS} FROM cells WHERE init_pid IS NOT NULL`);
    // One statement, so every ancestor gets the counts or none does.
    this.#retire = db.prepare<RetiredUsageRow & { path: string }>(
      `UPDATE cells SET retired_oom_kills = retired_oom_kills + @oomKills,
         retired_io_read_bytes = retired_io_read_bytes + @ioReadBytes,
         retired_io_write_bytes = retired_io_write_bytes + @ioWriteBytes
       WHERE substr(@path, 1, length(name) + 1) = name || '/'`,
    );
    this.#retired = db.prepare<[string], RetiredUsageRow>(
      `SELECT retired_oom_kills AS oomKills, retired_io_read_bytes AS ioReadBytes, retired_io_write_bytes AS ioWriteBytes
       FROM cells WHERE name = ?`,
    );
  }

  insert(row: CellRow): void {
    this.#insert.run(row);
  }

  delete(name: string): void {
    this.#delete.run(name);
  }

  get(name: string): CellRow | undefined {
    return this.#get.get(name);
  }

  /**
   * Cells named after `after`, in name order; with `under`, only that cell and the cells below it; with `selector`,
   * only those whose spec's labels match it.
   */
  page(after: string, limit: number, under?: string, selector?: readonly SelectorRequirement[]): CellRow[] {
    return this.#page.all({ after, under: under || null, selector: selectorParam(selector), limit });
  }

  /** Names of every cell below `name` (children, grandchildren, ...), in name order. */
  descendants(name: string): string[] {
    return this.#descendants.all({ name }).map((r) => r.name);
  }

  setSpec(name: string, spec: string): void {
    this.#setSpec.run(spec, name);
  }

  setInitPid(name: string, pid: number | null): void {
    this.#setInitPid.run(pid, name);
  }

  setFrozen(name: string, frozen: boolean): void {
    this.#setFrozen.run(frozen ? 1 : 0, name);
  }

  /** Adds the counters of the removed cgroup `path` ("web/api/x.exe", "web/api") to every cell above it. */
  retire(path: string, usage: RetiredUsageRow): void {
    this.#retire.run({ path, ...usage });
  }

  /** What removed cgroups below `name` counted; zeros for a cell that does not exist. */
  retired(name: string): RetiredUsageRow {
    return this.#retired.get(name) ?? { oomKills: 0, ioReadBytes: 0, ioWriteBytes: 0 };
  }

  /** Cells whose reaper the database knows of. */
  isolated(): CellRow[] {
    return this.#isolated.all();
  }
}
