// The node's audit log: a journal (see ../journal/journal.ts) of every call that changed something and every call
// that was refused. The daemon's interceptor records; AuditService reads.
import type { AuditRow, AuditStore } from "../../store/audit-store.js";
import { Journal, type WatchPosition } from "../journal/journal.js";
import type { PageRequest } from "../pagination.js";
import { validateAuditFilter, type AuditEntry, type AuditFilter, type AuditIntent, type AuditSelection, type RecordedAuditEntry } from "./audit-entry.js";

/** How much of the audit log is kept: at most maxEntries entries, none older than maxAgeMs. */
export interface AuditRetention {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = Object.freeze({ maxEntries: 100_000, maxAgeMs: 30 * 86_400_000 });

export interface AuditLogDeps {
  readonly store: AuditStore;
  readonly retention?: AuditRetention;
  /** Milliseconds since the epoch; tests pass a clock of their own. */
  readonly now?: () => number;
}

export interface AuditWatchQuery extends AuditFilter, Omit<WatchPosition, "endMs"> {}

/**
 * Text fields are cut to this many characters: a call may name a long method or fail with a long message, and
 * 100,000 entries of it must still fit the node. A SPIFFE ID is at most 2048 bytes, so identities are never cut.
 */
export const MAX_AUDIT_TEXT_CHARS = 2048;

type AuditFields = Omit<AuditRow, "sequence" | "timeMs">;

/**
 * The outcome of a call a previous auraed was acting on when it stopped (killed, crashed, power lost). Nothing tells
 * how far it got: UNKNOWN, as gRPC uses it for an error whose cause and effect are unknown.
 */
export const INTERRUPTED = {
  code: "UNKNOWN",
  details: "auraed stopped before answering this call (it was killed, crashed or lost power): it may have taken effect, in whole or in part; check the current state",
} as const;

export class AuditLog {
  readonly #journal: Journal<AuditFields, AuditSelection, RecordedAuditEntry>;
  readonly #store: AuditStore;
  /** A pending entry is in the WAL without an fsync (see begin); every other write of the log fsyncs it. */
  #unsynced = false;

  constructor(deps: AuditLogDeps) {
    const retention = deps.retention ?? DEFAULT_AUDIT_RETENTION;
    this.#journal = new Journal<AuditFields, AuditSelection, RecordedAuditEntry>({
      store: deps.store,
      retention: { maxRecords: retention.maxEntries, maxAgeMs: retention.maxAgeMs },
      ...(deps.now && { now: deps.now }),
      toRecord: toRecordedEntry,
      noun: "entry",
    });
    this.#store = deps.store;
    deps.store.skipSequence();
    // The lock on the state directory is held: nobody else is acting on these calls any more.
    for (const row of deps.store.pendingRows()) this.complete(row.sequence, { ...toRecordedEntry(row), ...INTERRUPTED });
  }

  /** Writes the entry, then wakes the watchers. Synchronous: the call it records is answered only once it is on disk. */
  record(entry: AuditEntry): RecordedAuditEntry {
    return this.#append(fieldsOf(entry, { pending: 0, replaces: null }));
  }

  /**
   * Records a mutation as pending, before it is acted on, so that it is on record even if auraed dies during it;
   * `complete` replaces it with the outcome. Answers the pending entry's sequence.
   *
   * Written without an fsync when no other entry is (one fsync fewer on every mutating call): it survives a crash
   * of auraed like any commit. A power cut may drop it, but only with everything the call did since: whatever of a
   * call outlasts a power cut is in the database, committed with an fsync after it, which makes it durable too (WAL
   * commits reach the disk in order), or in a process, which the power cut ends. At most one entry is ever unsynced
   * (the next write of the log fsyncs it), and each start of auraed skips a sequence (the constructor), so that a
   * sequence a watcher saw is never handed to another entry.
   */
  begin(intent: AuditIntent): number {
    const fields = fieldsOf({ ...intent, code: "", details: "" }, { pending: 1, replaces: null });
    if (this.#unsynced) return this.#append(fields).sequence;
    const { sequence } = this.#store.withoutFsync(() => this.#journal.append(fields));
    this.#unsynced = true;
    return sequence;
  }

  /** Replaces the pending entry of `pendingSequence` with the outcome, in one transaction: one of them is always on record. */
  complete(pendingSequence: number, entry: AuditEntry): RecordedAuditEntry {
    const recorded = this.#store.transaction(() => {
      this.#store.deletePending(pendingSequence);
      return this.#journal.append(fieldsOf(entry, { pending: 0, replaces: pendingSequence }));
    });
    this.#unsynced = false;
    return recorded;
  }

  /** Appends with an fsync, which also makes an unsynced pending entry durable. */
  #append(fields: AuditFields): RecordedAuditEntry {
    const recorded = this.#journal.append(fields);
    this.#unsynced = false;
    return recorded;
  }

  /**
   * Batches of matching entries in sequence order, as Journal.watch streams them; with until, a following watch
   * ends once that time has passed and it has read every entry before it.
   */
  async *watch(query: AuditWatchQuery, signal: AbortSignal): AsyncGenerator<RecordedAuditEntry[]> {
    const selection = validateAuditFilter(query);
    yield* this.#journal.watch(selection, { ...query, ...(selection.untilMs !== undefined && { endMs: selection.untilMs }) }, signal);
  }

  /** A page of matching entries, oldest first. */
  list(filter: AuditFilter, page: PageRequest): { entries: RecordedAuditEntry[]; nextPageToken: string } {
    const { records, nextPageToken } = this.#journal.list(validateAuditFilter(filter), page);
    return { entries: records, nextPageToken };
  }

  /** Drops what retention no longer keeps: beyond the newest maxEntries, or older than maxAgeMs. */
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

function fieldsOf(entry: AuditEntry, state: Pick<AuditFields, "pending" | "replaces">): AuditFields {
  return {
    identity: clip(entry.identity),
    method: clip(entry.method),
    cell: entry.cell === undefined || entry.cell === "" ? null : clip(entry.cell),
    code: clip(entry.code),
    // A success has nothing to say beyond its code (grpc-js gives it the message "OK").
    details: entry.code === "OK" ? "" : clip(entry.details),
    peer: clip(entry.peer),
    ...state,
  };
}

const clip = (text: string): string => (text.length > MAX_AUDIT_TEXT_CHARS ? `${text.slice(0, MAX_AUDIT_TEXT_CHARS - 1)}…` : text);

function toRecordedEntry(row: AuditRow): RecordedAuditEntry {
  return {
    sequence: row.sequence,
    time: new Date(row.timeMs),
    identity: row.identity,
    method: row.method,
    ...(row.cell !== null && { cell: row.cell }),
    code: row.code,
    details: row.details,
    peer: row.peer,
    pending: row.pending === 1,
    ...(row.replaces !== null && { replacesSequence: row.replaces }),
  };
}
