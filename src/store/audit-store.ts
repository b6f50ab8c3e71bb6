// The audit table. A read names only the filters it uses, so SQLite walks the index of an exact identity, method or
// code (in sequence order: each index holds the rowid) instead of scanning every row for one caller's few calls;
// "@x IS NULL OR ..." in one fixed statement would keep it from using any. Prefixes match as ranges: "a/" is
// ["a/", "a0").
import type { Statement } from "better-sqlite3";
import { withoutFsync, type Db } from "./database.js";
import { SequencedTable, type SequenceRange } from "./sequenced-table.js";

export interface AuditRow {
  readonly sequence: number;
  readonly timeMs: number;
  /** The caller's SPIFFE ID; "" when it was not authenticated. */
  readonly identity: string;
  readonly method: string;
  readonly cell: string | null;
  /** gRPC status name: "OK", "PERMISSION_DENIED", ... */
  readonly code: string;
  readonly details: string;
  readonly peer: string;
  /** 1 while the call it records is being acted on (code and details empty), else 0. */
  readonly pending: 0 | 1;
  /** The sequence of the pending row this row completed, or null. */
  readonly replaces: number | null;
}

export interface AuditQuery extends SequenceRange {
  /** Only rows of this identity, or of every identity it is a prefix of when it ends in "/". */
  readonly identity?: string;
  /** Only rows of this method, or of every method it is a prefix of when it ends in "/". */
  readonly method?: string;
  /** Only rows of this cell or of a cell below it ("a" matches "a" and "a/b", not "ab"). */
  readonly cell?: string;
  /** Only rows with one of these codes. Absent: every code. */
  readonly codes?: readonly string[];
  /** Only rows at or after this time... */
  readonly sinceMs?: number;
  /** ...and before this one. */
  readonly untilMs?: number;
}

type Params = Record<string, string | number>;

const COLUMNS = "sequence, time_ms AS timeMs, identity, method, cell, code, details, peer, pending, replaces";

export class AuditStore extends SequencedTable {
  readonly #db: Db;
  readonly #insert;
  readonly #deletePending;
  readonly #pending;
  readonly #skipSequence;
  /** One statement per combination of filters, prepared on first use. */
  readonly #pages = new Map<string, Statement<Params, AuditRow>>();

  constructor(db: Db) {
    super(db, "audit");
    this.#db = db;
    this.#insert = db.prepare<Omit<AuditRow, "sequence">>(
      `INSERT INTO audit (time_ms, identity, method, cell, code, details, peer, pending, replaces)
       VALUES (@timeMs, @identity, @method, @cell, @code, @details, @peer, @pending, @replaces)`,
    );
    this.#deletePending = db.prepare<[number]>("DELETE FROM audit WHERE sequence = ? AND pending = 1");
    this.#skipSequence = db.prepare("UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'audit'");
    this.#pending = db.prepare<[], AuditRow>(`SELECT ${COLUMNS} FROM audit WHERE pending = 1 ORDER BY sequence`);
  }

  /** Appends a row and answers its sequence. */
  insert(row: Omit<AuditRow, "sequence">): number {
    return Number(this.#insert.run(row).lastInsertRowid);
  }

  /** Deletes the pending row of this sequence (its call has ended); a completed or pruned one stays as it is. */
  deletePending(sequence: number): void {
    this.#deletePending.run(sequence);
  }

  /** Every pending row, in sequence order. */
  pendingRows(): AuditRow[] {
    return this.#pending.all();
  }

  /** Runs `fn` with its commits not fsynced (see withoutFsync). */
  withoutFsync<T>(fn: () => T): T {
    return withoutFsync(this.#db, fn);
  }

  /**
   * Hands out no sequence for the next row: one written without an fsync may have been lost at a power cut, and a
   * watcher may have been told its sequence (see AuditLog.begin).
   */
  skipSequence(): void {
    this.#skipSequence.run();
  }

  /** Runs `fn` in one transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** Rows matching the query, in sequence order. */
  page(query: AuditQuery): AuditRow[] {
    const conditions = ["sequence > @after", "sequence <= @through"];
    const params: Params = { after: query.after, through: query.through, limit: query.limit };
    const where = (condition: string, values: Params): void => {
      conditions.push(condition);
      Object.assign(params, values);
    };
    if (query.identity !== undefined) where(...exactOrPrefix("identity", query.identity));
    if (query.method !== undefined) where(...exactOrPrefix("method", query.method));
    if (query.cell !== undefined)
      where("(cell = @cell OR (cell >= @below AND cell < @belowEnd))", { cell: query.cell, ...prefixRange("below", `${query.cell}/`) });
    if (query.codes !== undefined && query.codes.length > 0) {
      const names = query.codes.map((_, i) => `@code${i}`);
      where(`code IN (${names.join(", ")})`, Object.fromEntries(query.codes.map((code, i) => [`code${i}`, code])));
    }
    if (query.sinceMs !== undefined) where("time_ms >= @sinceMs", { sinceMs: query.sinceMs });
    if (query.untilMs !== undefined) where("time_ms < @untilMs", { untilMs: query.untilMs });
    return this.#statement(`SELECT ${COLUMNS} FROM audit WHERE ${conditions.join(" AND ")} ORDER BY sequence LIMIT @limit`).all(params);
  }

  #statement(sql: string): Statement<Params, AuditRow> {
    let statement = this.#pages.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare<Params, AuditRow>(sql);
      this.#pages.set(sql, statement);
    }
    return statement;
  }
}

/** `column` equal to `value`, or, when `value` ends in "/", starting with it. */
function exactOrPrefix(column: "identity" | "method", value: string): [string, Params] {
  if (!value.endsWith("/")) return [`${column} = @${column}`, { [column]: value }];
  return [`${column} >= @${column} AND ${column} < @${column}End`, prefixRange(column, value)];
}

/** The bounds of every text starting with `prefix`: itself up to the text with its last character one higher. */
function prefixRange(name: string, prefix: string): Params {
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return { [name]: prefix, [`${name}End`]: end };
}
