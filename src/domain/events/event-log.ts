// The node's event log: a journal (see ../journal/journal.ts) of what happened to cells, executables and the daemon.
import type { EventRow, EventsStore } from "../../store/events-store.js";
import { Journal, type WatchPosition } from "../journal/journal.js";
import type { PageRequest } from "../pagination.js";
import { validateEventFilter, type EventFilter, type NewEvent, type RecordedEvent } from "./event.js";
import { DEFAULT_RETENTION, type Retention } from "./retention.js";

export interface EventLogDeps {
  readonly store: EventsStore;
  readonly retention?: Retention;
  /** Milliseconds since the epoch; tests pass a clock of their own. */
  readonly now?: () => number;
}

export interface WatchQuery extends EventFilter, Omit<WatchPosition, "endMs"> {}

type EventFields = Omit<EventRow, "sequence" | "timeMs">;

export class EventLog {
  readonly #journal: Journal<EventFields, EventFilter, RecordedEvent>;

  constructor(deps: EventLogDeps) {
    const retention = deps.retention ?? DEFAULT_RETENTION;
    this.#journal = new Journal<EventFields, EventFilter, RecordedEvent>({
      store: deps.store,
      retention: { maxRecords: retention.maxEvents, maxAgeMs: retention.maxAgeMs },
      ...(deps.now && { now: deps.now }),
      toRecord: toRecordedEvent,
      noun: "event",
    });
  }

  /**
   * Writes the event, then wakes the watchers. Synchronous, so it may run inside `Store.transaction` with the
   * state change it reports: both land or neither does.
   */
  record(event: NewEvent): RecordedEvent {
    return this.#journal.append({
      kind: event.kind,
      cell: event.cell ?? null,
      executable: event.executable ?? null,
      attributes: JSON.stringify(event.attributes ?? {}),
      labels: JSON.stringify(event.labels ?? {}),
    });
  }

  /** Batches of matching events in sequence order, as Journal.watch streams them. */
  async *watch(query: WatchQuery, signal: AbortSignal): AsyncGenerator<RecordedEvent[]> {
    yield* this.#journal.watch(validateEventFilter(query), query, signal);
  }

  /** A page of matching events, oldest first. */
  list(filter: EventFilter, page: PageRequest): { events: RecordedEvent[]; nextPageToken: string } {
    const { records, nextPageToken } = this.#journal.list(validateEventFilter(filter), page);
    return { events: records, nextPageToken };
  }

  /** Drops what retention no longer keeps: beyond the newest maxEvents, or older than maxAgeMs. */
  prune(): number {
    return this.#journal.prune();
  }

  /** Ends every following watch once it has read what was recorded (auraed is shutting down). */
  close(): void {
    this.#journal.close();
  }

  /** The epoch its sequences are numbered in (see Journal.epoch). */
  get epoch(): string {
    return this.#journal.epoch;
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    sequence: row.sequence,
    time: new Date(row.timeMs),
    kind: row.kind,
    ...(row.cell !== null && { cell: row.cell }),
    ...(row.executable !== null && { executable: row.executable }),
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    labels: JSON.parse(row.labels) as Record<string, string>,
  };
}
