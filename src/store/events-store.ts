import type { Db } from "./database.js";
import { selectorCondition, selectorParam, type SelectorRequirement } from "./label-selector-sql.js";
import { SequencedTable, type SequenceRange } from "./sequenced-table.js";

export interface EventRow {
  readonly sequence: number;
  readonly timeMs: number;
  readonly kind: string;
  readonly cell: string | null;
  readonly executable: string | null;
  /** JSON object of strings. */
  readonly attributes: string;
  /** JSON object of strings: the labels of the event's cell or executable when it was recorded. */
  readonly labels: string;
}

export interface EventQuery extends SequenceRange {
  /** Only rows of this cell or of a cell below it ("a" matches "a" and "a/b", not "ab"). */
  readonly cell?: string;
  /** Only rows of these kinds: exact, or a prefix when it ends in ".". Absent: every kind. */
  readonly kinds?: readonly string[];
  /** Only rows whose labels match every requirement. Absent or empty: every row. */
  readonly selector?: readonly SelectorRequirement[];
}

const COLUMNS = "sequence, time_ms AS timeMs, kind, cell, executable, attributes, labels";

export class EventsStore extends SequencedTable {
  readonly #insert;
  readonly #page;

  constructor(db: Db) {
    super(db, "events");
    this.#insert = db.prepare<Omit<EventRow, "sequence">>(
      `INSERT INTO events (time_ms, kind, cell, executable, attributes, labels)
       VALUES (@timeMs, @kind, @cell, @executable, @attributes, @labels)`,
    );
    this.#page = db.prepare<{ after: number; through: number; cell: string | null; kinds: string | null; selector: string | null; limit: number }, EventRow>(
      `SELECT ${COLUMNS} FROM events
       WHERE sequence > @after AND sequence <= @through
         AND (@cell IS NULL OR cell = @cell OR substr(cell, 1, length(@cell) + 1) = @cell || '/')
         AND (@kinds IS NULL OR EXISTS (SELECT 1 FROM json_each(@kinds) AS k
               WHERE k.value = kind OR (substr(k.value, -1) = '.' AND substr(kind, 1, length(k.value)) = k.value)))
         AND ${selectorCondition("labels", "@selector")}
       ORDER BY sequence LIMIT @limit`,
    );
  }

  /** Appends a row and answers its sequence. */
  insert(row: Omit<EventRow, "sequence">): number {
    return Number(this.#insert.run(row).lastInsertRowid);
  }

  /** Rows matching the query, in sequence order. */
  page(query: EventQuery): EventRow[] {
    return this.#page.all({
      after: query.after,
      through: query.through,
      cell: query.cell ?? null,
      kinds: query.kinds && query.kinds.length > 0 ? JSON.stringify(query.kinds) : null,
      selector: selectorParam(query.selector),
      limit: query.limit,
    });
  }
}
