import type { Db } from "./database.js";

export interface EventRow {
  readonly sequence: number;
  readonly timeMs: number;
  readonly kind: string;
  readonly cell: string | null;
  readonly executable: string | null;
  /** JSON object of strings. */
  readonly attributes: string;
}

export interface EventQuery {
  /** Rows with a sequence above this... */
  readonly after: number;
  /** ...and at most this. */
  readonly through: number;
  /** Only rows of this cell or of a cell below it ("a" matches "a" and "a/b", not "ab"). */
  readonly cell?: string;
  /** Only rows of these kinds: exact, or a prefix when it ends in ".". Absent: every kind. */
  readonly kinds?: readonly string[];
  readonly limit: number;
}

const COLUMNS = "sequence, time_ms AS timeMs, kind, cell, executable, attributes";

export class EventsStore {
  readonly #insert;
  readonly #lastSequence;
  readonly #page;
  readonly #deleteThrough;
  readonly #deleteBefore;

  constructor(db: Db) {
    this.#insert = db.prepare<Omit<EventRow, "sequence">>(
      "INSERT INTO events (time_ms, kind, cell, executable, attributes) VALUES (@timeMs, @kind, @cell, @executable, @attributes)",
    );
    // sqlite_sequence holds the last sequence handed out, even once its row is pruned.
    this.#lastSequence = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
    this.#page = db.prepare<{ after: number; through: number; cell: string | null; kinds: string | null; limit: number }, EventRow>(
      `SELECT ${COLUMNS} FROM events
       WHERE sequence > @after AND sequence <= @through
         AND (@cell IS NULL OR cell = @cell OR substr(cell, 1, length(@cell) + 1) = @cell || '/')
         AND (@kinds IS NULL OR EXISTS (SELECT 1 FROM json_each(@kinds) AS k
               WHERE k.value = kind OR (substr(k.value, -1) = '.' AND substr(kind, 1, length(k.value)) = k.value)))
       ORDER BY sequence LIMIT @limit`,
    );
    this.#deleteThrough = db.prepare<[number]>("DELETE FROM events WHERE sequence <= ?");
    this.#deleteBefore = db.prepare<[number]>("DELETE FROM events WHERE time_ms < ?");
  }

  /** Appends a row and answers its sequence. */
  insert(row: Omit<EventRow, "sequence">): number {
    return Number(this.#insert.run(row).lastInsertRowid);
  }

  /** The sequence of the newest row ever inserted (pruned or not); 0 when there was none. */
  lastSequence(): number {
    return this.#lastSequence.get()?.seq ?? 0;
  }

  /** Rows matching the query, in sequence order. */
  page(query: EventQuery): EventRow[] {
    return this.#page.all({
      after: query.after,
      through: query.through,
      cell: query.cell ?? null,
      kinds: query.kinds && query.kinds.length > 0 ? JSON.stringify(query.kinds) : null,
      limit: query.limit,
    });
  }

  /** Deletes every row with a sequence at most `sequence` or a time before `timeMs`; answers how many went. */
  prune(limits: { throughSequence: number; beforeTimeMs: number }): number {
    return this.#deleteThrough.run(limits.throughSequence).changes + this.#deleteBefore.run(limits.beforeTimeMs).changes;
  }
}
