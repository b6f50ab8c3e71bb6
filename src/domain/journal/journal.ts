// A persisted, sequenced journal: what the event log and the audit log share. `append` writes a row to the database
// and only then wakes the watchers, so whatever a watcher is told about is already on disk, and one that reconnects
// with its last sequence misses nothing. Watchers read from the database in batches, never from a buffer: a slow one
// reads later, a fast one waits for the next append, and memory stays bounded by one batch per watcher however far
// behind it is.
import { invalid, precondition, unavailable } from "../../errors.js";
import type { SequenceRange } from "../../store/sequenced-table.js";
import { decodePageToken, encodePageToken, validatePageSize, type PageRequest } from "../pagination.js";

/** A row as its table holds it: the fields of the journal `F`, its sequence and when it was appended. */
export type JournalRow<F> = F & { readonly sequence: number; readonly timeMs: number };

/** The table under a journal. Sequences increase and are never handed out twice, even once pruned. */
export interface JournalStore<F, Filter> {
  /** The id of the database the sequences are numbered in; another database (a replaced log) has another. */
  readonly epoch: string;
  /** Appends a row and answers its sequence. */
  insert(row: F & { readonly timeMs: number }): number;
  /** The newest sequence handed out (pruned or not); 0 when there was none. */
  lastSequence(): number;
  /** Rows matching the filter in the window, in sequence order. */
  page(query: Filter & SequenceRange): JournalRow<F>[];
  /** Deletes every row with a sequence at most throughSequence or a time before beforeTimeMs; answers how many. */
  prune(limits: { throughSequence: number; beforeTimeMs: number }): number;
}

export interface JournalRetention {
  readonly maxRecords: number;
  readonly maxAgeMs: number;
}

/** Where a watch starts, and whether it goes on once caught up. */
export interface WatchPosition {
  /** Records after this sequence; 0: from the oldest kept. */
  readonly afterSequence: number;
  /** The epoch afterSequence was read in; absent or "": not checked. */
  readonly epoch?: string;
  /** Start after the newest record so far (afterSequence must be 0). */
  readonly fromNow: boolean;
  /** Once caught up, wait for new records instead of ending. */
  readonly follow: boolean;
  /** A following watch ends once caught up at or after this time (ms since the epoch): nothing later matches. */
  readonly endMs?: number;
}

export interface JournalOptions<F, Filter, R> {
  readonly store: JournalStore<F, Filter>;
  readonly retention: JournalRetention;
  /** Milliseconds since the epoch; tests pass a clock of their own. */
  readonly now?: () => number;
  readonly toRecord: (row: JournalRow<F>) => R;
  /** What one record is called in errors: "event", "entry". */
  readonly noun: string;
}

/** Most records read from the database at once, and so held by one watcher. */
const BATCH_SIZE = 1000;
/** Pruning scans by sequence and by an index on time: cheap, but not worth doing on every insert. */
const PRUNE_EVERY = 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Journal<F, Filter, R> {
  readonly #store: JournalStore<F, Filter>;
  readonly #retention: JournalRetention;
  readonly #now: () => number;
  readonly #toRecord: (row: JournalRow<F>) => R;
  readonly #noun: string;
  readonly #waiters = new Set<() => void>();
  readonly #closing = new AbortController();
  #sincePrune = 0;

  constructor(options: JournalOptions<F, Filter, R>) {
    this.#store = options.store;
    this.#retention = options.retention;
    this.#now = options.now ?? Date.now;
    this.#toRecord = options.toRecord;
    this.#noun = options.noun;
    this.prune();
  }

  /**
   * Writes the row, stamped with the time, then wakes the watchers. Synchronous, so it may run inside
   * `Store.transaction` with the change it reports: both land or neither does (watchers read only once the
   * transaction committed).
   */
  append(fields: F): R {
    const row = { ...fields, timeMs: this.#now() };
    const sequence = this.#store.insert(row);
    if (++this.#sincePrune >= PRUNE_EVERY) this.prune();
    for (const wake of [...this.#waiters]) wake();
    return this.#toRecord({ ...row, sequence });
  }

  /**
   * Batches of matching records in sequence order: those appended after the start position, then, when following,
   * each new one as it is appended. Ends when the signal aborts; a following watch ends with `unavailable` once
   * the journal is closed and the watcher has read everything appended before. The filter is already validated.
   */
  async *watch(filter: Filter, position: WatchPosition, signal: AbortSignal): AsyncGenerator<R[]> {
    let cursor = this.#startOf(position);
    const stop = AbortSignal.any([signal, this.#closing.signal]);
    while (!signal.aborted) {
      const through = this.#store.lastSequence();
      const rows = this.#store.page({ ...filter, after: cursor, through, limit: BATCH_SIZE });
      // A short batch holds every match up to `through`: skip the rest of that range, matching or not.
      cursor = rows.length === BATCH_SIZE ? rows.at(-1)!.sequence : through;
      if (rows.length > 0) {
        yield rows.map(this.#toRecord);
        continue;
      }
      if (!position.follow || this.#now() >= (position.endMs ?? Infinity)) return;
      if (this.#closing.signal.aborted)
        throw unavailable(`auraed is shutting down: watch again with after_sequence ${cursor} to resume`);
      await this.#appended(stop, position.endMs);
    }
  }

  /** A page of matching records, oldest first. The filter is already validated. */
  list(filter: Filter, page: PageRequest): { records: R[]; nextPageToken: string } {
    const size = validatePageSize(page.pageSize);
    const after = sequenceFromToken(decodePageToken(page.pageToken, 1)[0]!);
    const rows = this.#store.page({ ...filter, after, through: this.#store.lastSequence(), limit: size + 1 });
    const kept = rows.slice(0, size);
    const last = kept.at(-1);
    return { records: kept.map(this.#toRecord), nextPageToken: rows.length > size && last ? encodePageToken([String(last.sequence)]) : "" };
  }

  /** Drops what retention no longer keeps: beyond the newest maxRecords, or older than maxAgeMs. */
  prune(): number {
    this.#sincePrune = 0;
    return this.#store.prune({
      throughSequence: this.#store.lastSequence() - this.#retention.maxRecords,
      beforeTimeMs: this.#now() - this.#retention.maxAgeMs,
    });
  }

  /** Ends every following watch once it has read what was appended (auraed is shutting down). */
  close(): void {
    this.#closing.abort();
  }

  /** The epoch of the sequences handed out: a watcher resumes with it, so a replaced log is noticed. */
  get epoch(): string {
    return this.#store.epoch;
  }

  #startOf(position: WatchPosition): number {
    const after = position.afterSequence;
    if (!Number.isSafeInteger(after) || after < 0) throw invalid("after_sequence", `must be a sequence of this log, got ${after}`);
    if (position.fromNow && after !== 0) throw invalid("from_now", `cannot be combined with after_sequence (${after})`);
    // Sequences of another database name other records: resuming there would skip some without a word.
    if (position.epoch && position.epoch !== this.#store.epoch)
      throw precondition(
        `epoch "${position.epoch}" is not this ${this.#noun} log's ("${this.#store.epoch}"): the log was replaced (a new ` +
          `node database), so after_sequence ${after} names other ${this.#noun}s; watch it again from the start, without ` +
          "after_sequence and epoch",
      );
    const last = this.#store.lastSequence();
    // Only a sequence from another node's log, or from a commit a power loss undid: refuse rather than skip records.
    if (after > last) throw invalid("after_sequence", `${after} is beyond the newest ${this.#noun} of this log (${last})`);
    return position.fromNow ? last : after;
  }

  /** Resolves at the next append, when `signal` aborts, or at `endMs`. */
  #appended(signal: AbortSignal, endMs: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      // setTimeout fires at once past 2^31 - 1 ms: wake then, and the watch looks at the clock again.
      const timer = endMs === undefined ? undefined : setTimeout(() => wake(), Math.min(endMs - this.#now(), MAX_TIMER_MS));
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
}

function sequenceFromToken(key: string): number {
  if (key === "") return 0;
  if (!/^\d{1,15}$/.test(key)) throw invalid("page_token", "is not a token this API returned");
  return Number(key);
}
