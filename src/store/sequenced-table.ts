// What the tables of the journals (events, audit) share: sequences handed out by AUTOINCREMENT within the
// database's epoch, and pruning by sequence and by age.
import type { Db } from "./database.js";

/** Which rows of a read: a sequence above `after` and at most `through`, at most `limit` of them. */
export interface SequenceRange {
  readonly after: number;
  readonly through: number;
  readonly limit: number;
}

export class SequencedTable {
  /** The database's epoch (see the meta table in migrations.ts): sequences are only compared within one. */
  readonly epoch: string;
  readonly #lastSequence;
  readonly #deleteThrough;
  readonly #deleteBefore;

  /** `table` is one of ours, with an AUTOINCREMENT `sequence` and an indexed `time_ms`; never caller input. */
  constructor(db: Db, table: "events" | "audit") {
    this.epoch = db.prepare<[], { epoch: string }>("SELECT epoch FROM meta WHERE id = 1").get()!.epoch;
    // sqlite_sequence holds the last sequence handed out, even once its row is pruned.
    this.#lastSequence = db.prepare<[], { seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = '${table}'`);
    this.#deleteThrough = db.prepare<[number]>(`DELETE FROM ${table} WHERE sequence <= ?`);
    this.#deleteBefore = db.prepare<[number]>(`DELETE FROM ${table} WHERE time_ms < ?`);
  }

  /** The sequence of the newest row ever inserted (pruned or not); 0 when there was none. */
  lastSequence(): number {
    return this.#lastSequence.get()?.seq ?? 0;
  }

  /** Deletes every row with a sequence at most `throughSequence` or a time before `beforeTimeMs`; answers how many went. */
  prune(limits: { throughSequence: number; beforeTimeMs: number }): number {
    return this.#deleteThrough.run(limits.throughSequence).changes + this.#deleteBefore.run(limits.beforeTimeMs).changes;
  }
}
