// The node's event log. `record` writes an event to the database and only then wakes the watchers, so whatever a
// watcher is told about is already on disk, and one that reconnects with its last sequence misses nothing. Watchers
// read from the database in batches, never from a buffer: a slow one reads later, a fast one waits for the next
// record, and memory stays bounded by one batch per watcher however far behind it is.
import { invalid, unavailable } from "../../errors.js";
import type { EventRow, EventsStore } from "../../store/events-store.js";
import { decodePageToken, encodePageToken, validatePageSize, type PageRequest } from "../pagination.js";
import { validateEventFilter, type EventFilter, type NewEvent, type RecordedEvent } from "./event.js";
import { DEFAULT_RETENTION, type Retention } from "./retention.js";

export interface EventLogDeps {
  readonly store: EventsStore;
  readonly retention?: Retention;
  /** Milliseconds since the epoch; tests pass a clock of their own. */
  readonly now?: () => number;
}

export interface WatchQuery extends EventFilter {
  /** Events after this sequence; 0: from the oldest kept. */
  readonly afterSequence: number;
  /** Start after the newest event recorded so far (afterSequence must be 0). */
  readonly fromNow: boolean;
  /** Once caught up, wait for new events instead of ending. */
  readonly follow: boolean;
}

/** Most events read from the database at once, and so held by one watcher. */
const BATCH_SIZE = 1000;
/** Pruning scans by sequence and by an index on time: cheap, but not worth doing on every insert. */
const PRUNE_EVERY = 1000;

export class EventLog {
  readonly #store: EventsStore;
  readonly #retention: Retention;
  readonly #now: () => number;
  readonly #waiters = new Set<() => void>();
  readonly #closing = new AbortController();
  #sincePrune = 0;

  constructor(deps: EventLogDeps) {
    this.#store = deps.store;
    this.#retention = deps.retention ?? DEFAULT_RETENTION;
    this.#now = deps.now ?? Date.now;
    this.prune();
  }

  /**
   * Writes the event, then wakes the watchers. Synchronous, so it may run inside `Store.transaction` with the
   * state change it reports: both land or neither does (watchers read only once the transaction committed).
   */
  record(event: NewEvent): RecordedEvent {
    const row = {
      timeMs: this.#now(),
      kind: event.kind,
      cell: event.cell ?? null,
      executable: event.executable ?? null,
      attributes: JSON.stringify(event.attributes ?? {}),
    };
    const sequence = this.#store.insert(row);
    if (++this.#sincePrune >= PRUNE_EVERY) this.prune();
    for (const wake of [...this.#waiters]) wake();
    return toRecordedEvent({ sequence, ...row });
  }

  /**
   * Batches of matching events in sequence order: those recorded after the start position, then, when following,
   * each new one as it is recorded. Ends when the signal aborts; a following watch ends with `unavailable` once
   * the log is closed and the watcher has read everything recorded before.
   */
  async *watch(query: WatchQuery, signal: AbortSignal): AsyncGenerator<RecordedEvent[]> {
    const filter = validateEventFilter(query);
    let cursor = startOf(query, () => this.#store.lastSequence());
    const stop = AbortSignal.any([signal, this.#closing.signal]);
    while (!signal.aborted) {
      const through = this.#store.lastSequence();
      const rows = this.#store.page({ ...filter, after: cursor, through, limit: BATCH_SIZE });
      // A short batch holds every match up to `through`: skip the rest of that range, matching or not.
      cursor = rows.length === BATCH_SIZE ? rows.at(-1)!.sequence : through;
      if (rows.length > 0) {
        yield rows.map(toRecordedEvent);
        continue;
      }
      if (!query.follow) return;
      if (this.#closing.signal.aborted)
        throw unavailable(`auraed is shutting down: watch again with after_sequence ${cursor} to resume`);
      await this.#recorded(stop);
    }
  }

  /** A page of matching events, oldest first. */
  list(filter: EventFilter, page: PageRequest): { events: RecordedEvent[]; nextPageToken: string } {
    const valid = validateEventFilter(filter);
    const size = validatePageSize(page.pageSize);
    const after = sequenceFromToken(decodePageToken(page.pageToken, 1)[0]!);
    const rows = this.#store.page({ ...valid, after, through: this.#store.lastSequence(), limit: size + 1 });
    const events = rows.slice(0, size).map(toRecordedEvent);
    const last = events.at(-1);
    return { events, nextPageToken: rows.length > size && last ? encodePageToken([String(last.sequence)]) : "" };
  }

  /** Drops what retention no longer keeps: beyond the newest maxEvents, or older than maxAgeMs. */
  prune(): number {
    this.#sincePrune = 0;
    return this.#store.prune({
      throughSequence: this.#store.lastSequence() - this.#retention.maxEvents,
      beforeTimeMs: this.#now() - this.#retention.maxAgeMs,
    });
  }

  /** Ends every following watch once it has read what was recorded (auraed is shutting down). */
  close(): void {
    this.#closing.abort();
  }

  /** Resolves at the next record, or when `signal` aborts. */
  #recorded(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const wake = (): void => {
        this.#waiters.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
}

function startOf(query: WatchQuery, lastSequence: () => number): number {
  const after = query.afterSequence;
  if (!Number.isSafeInteger(after) || after < 0) throw invalid("after_sequence", `must be a sequence of this log, got ${after}`);
  if (query.fromNow && after !== 0) throw invalid("from_now", `cannot be combined with after_sequence (${after})`);
  const last = lastSequence();
  // Only a sequence from another node's log, or from a commit a power loss undid: refuse rather than skip events.
  if (after > last) throw invalid("after_sequence", `${after} is beyond the newest event of this log (${last})`);
  return query.fromNow ? last : after;
}

function sequenceFromToken(key: string): number {
  if (key === "") return 0;
  if (!/^\d{1,15}$/.test(key)) throw invalid("page_token", "is not a token this API returned");
  return Number(key);
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    sequence: row.sequence,
    time: new Date(row.timeMs),
    kind: row.kind,
    ...(row.cell !== null && { cell: row.cell }),
    ...(row.executable !== null && { executable: row.executable }),
    attributes: JSON.parse(row.attributes) as Record<string, string>,
  };
}
