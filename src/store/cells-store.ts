import type { Db } from "./database.js";

export interface CellRow {
  readonly name: string;
  readonly spec: string;
  readonly createdAtMs: number;
}

export class CellsStore {
  readonly #insert;
  readonly #delete;
  readonly #get;
  readonly #page;
  readonly #children;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, number]>("INSERT INTO cells (name, spec, created_at_ms) VALUES (?, ?, ?)");
    this.#delete = db.prepare<[string]>("DELETE FROM cells WHERE name = ?");
    this.#get = db.prepare<[string], CellRow>("SELECT name, spec, created_at_ms AS createdAtMs FROM cells WHERE name = ?");
    this.#page = db.prepare<[string, number], CellRow>(
      "SELECT name, spec, created_at_ms AS createdAtMs FROM cells WHERE name > ? ORDER BY name LIMIT ?",
    );
    this.#children = db.prepare<{ name: string }, { name: string }>(
      "SELECT name FROM cells WHERE substr(name, 1, length(@name) + 1) = @name || '/' ORDER BY name",
    );
  }

  insert(row: CellRow): void {
    this.#insert.run(row.name, row.spec, row.createdAtMs);
  }

  delete(name: string): void {
    this.#delete.run(name);
  }

  get(name: string): CellRow | undefined {
    return this.#get.get(name);
  }

  /** Cells named after `after`, in name order. */
  page(after: string, limit: number): CellRow[] {
    return this.#page.all(after, limit);
  }

  /** Names of every cell below `name` (children, grandchildren, ...). */
  descendants(name: string): string[] {
    return this.#children.all({ name }).map((r) => r.name);
  }
}
