// Reads logs — one executable's, every executable's of a cell merged in time order, or the daemon's own — from a
// cursor, and when following, waits for more. Positions are global byte offsets into each executable's segmented log, so a
// reader resumes exactly where it stopped, across rotations and reconnects; filters never move a position past a
// record that was not read.
import { invalid } from "../../errors.js";
import { recordsOf, type LogRecord, type LogStreamName, type RecordBytes } from "../../runtime/logs/cri-log.js";
import { LogWatch } from "../../runtime/logs/log-watch.js";
import { isRecordStart, logEnd, readLogBytesFrom, readLogFrom } from "../../runtime/logs/segments.js";
import { cursorName, decodeLogCursor, encodeCursorParts } from "./log-cursor.js";
import { tailStarts } from "./tail-starts.js";

export type { LogRecord } from "../../runtime/logs/cri-log.js";

/** What is read: named logs, which may grow in number while following, and when following ends. */
export interface LogSources {
  list(): Promise<readonly { readonly name: string; readonly dir: string }[]>;
  /** True once nothing more will be written: a follow ends after one more read. */
  closed(): Promise<boolean>;
  /** Where a change may make closed() true (a status file written outside the logs); absent: nowhere. */
  closingDirs?(): Promise<readonly string[]>;
  /** Where a log not in the cursor starts. */
  readonly startOffset: number;
  /** Calls `listener` whenever list() may have grown or closed() become true, until the returned function is called. */
  readonly onChange?: (listener: () => void) => () => void;
}

export interface LogQuery {
  readonly follow: boolean;
  /** Undefined: both. */
  readonly streams?: ReadonlySet<LogStreamName>;
  readonly tail?: number;
  readonly sinceUnixNano?: bigint;
  readonly untilUnixNano?: bigint;
  readonly cursor?: string;
  /** A further filter (the daemon log's level). */
  readonly accept?: (record: LogRecord) => boolean;
}

export interface ExecutableLogRecord extends LogRecord {
  readonly executable: string;
  /** Resume right after this record (the read's position in every log once it was read). */
  readonly cursor: string;
}

export interface LogBatch {
  readonly records: ExecutableLogRecord[];
  /** Resume after the last record of this batch. */
  readonly cursor: string;
  readonly skippedBytes: number;
}

/** A run of one executable's records as the log stores them (CRI lines, each with its newline). */
export interface PackedLogBatch {
  /** Empty, or whole records ending with a newline. */
  readonly records: Buffer;
  readonly executable: string;
  /** Where the read goes on in the executable's log (past records the filters left out too). */
  readonly nextOffset: number;
  /** Resume after this batch. */
  readonly cursor: string;
  readonly skippedBytes: number;
}

const BATCH_RECORDS = 1000;
/** Content and cursors a batch holds at most (beyond one record): a response stays far below gRPC's 4 MiB. */
const BATCH_BYTES = 1 << 20;
const MAX_TAIL = 1_000_000;
/** What one read keeps of its logs in memory at a time, shared by its logs (a cell may have many). */
const READ_BUFFER_BYTES = 8 << 20;
/** ...but no log's share is smaller: a record larger than its share is still read whole. */
const MIN_CHUNK_BYTES = 16 << 10;
const MAX_CHUNK_BYTES = 1 << 20;

/** One executable's log as the merge sees it: buffered records and the position after the last one consumed. */
interface Source {
  readonly name: string;
  readonly dir: string;
  /** The name as the cursor writes it. */
  readonly cursorName: string;
  position: number;
  /** Records from `head` on are not consumed yet (an index, not shift(): a chunk holds thousands). */
  buffer: LogRecord[];
  head: number;
  /** Where the buffered chunk ends: the position once the buffer is used up. */
  chunkEnd: number;
  /** No more records right now (at the end of the log, or past `until`). */
  drained: boolean;
  /** Past `until`: never read again. */
  done: boolean;
}

export const readLogs = (logs: LogSources, query: LogQuery, signal: AbortSignal): AsyncGenerator<LogBatch> =>
  followLogs(logs, query, signal, drain);

/**
 * As readLogs, the records of each log in turn as stored, about a read's chunk per batch: sent on unparsed when no
 * filter needs their fields, else parsed and the wanted ones copied. For one log: several are not merged in time
 * order, so a caller wanting a cell's merged log reads entries.
 */
export const readPackedLogs = (logs: LogSources, query: LogQuery, signal: AbortSignal): AsyncGenerator<PackedLogBatch> =>
  followLogs(logs, query, signal, drainPacked);

type Drain<B> = (sources: Map<string, Source>, query: LogQuery, signal: AbortSignal) => AsyncGenerator<B>;

async function* followLogs<B>(logs: LogSources, query: LogQuery, signal: AbortSignal, drain: Drain<B>): AsyncGenerator<B> {
  validateLogQuery(query);
  const positions = query.cursor ? decodeLogCursor(query.cursor) : undefined;
  const watch = new LogWatch();
  // Subscribed before the first list: a log added between the two is not missed.
  const unsubscribe = query.follow ? logs.onChange?.(() => watch.poke()) : undefined;
  const sources = new Map<string, Source>();
  const addSources = async (): Promise<void> => {
    for (const { name, dir } of await logs.list()) {
      if (sources.has(name)) continue;
      const start = positions?.[name] ?? logs.startOffset;
      sources.set(name, { name, dir, cursorName: cursorName(name, sources.size === 0), position: start, buffer: [], head: 0, chunkEnd: start, drained: false, done: false });
      if (query.follow) watch.add(dir);
    }
  };
  try {
    await addSources();
    if (positions || logs.startOffset > 0) await checkStarts([...sources.values()], positions !== undefined);
    if (!positions && query.tail !== undefined) await startAtTail([...sources.values()], query);
    for (;;) {
      yield* drain(sources, query, signal);
      if (!query.follow || signal.aborted || (query.untilUnixNano !== undefined && nowUnixNano() >= query.untilUnixNano)) return;
      // Watched before asking: a close between the two still wakes the follow.
      for (const dir of (await logs.closingDirs?.()) ?? []) watch.add(dir);
      if (await logs.closed()) {
        // Closed: the last byte is written. One more drain reads it all.
        yield* drain(sources, query, signal);
        return;
      }
      await watch.changed(signal);
      await addSources();
      for (const source of sources.values()) if (!source.done) source.drained = false;
    }
  } finally {
    unsubscribe?.();
    watch.close();
  }
}

/** Merges what every source has now, in time order, into batches. */
async function* drain(sources: Map<string, Source>, query: LogQuery, signal: AbortSignal): AsyncGenerator<LogBatch> {
  let records: ExecutableLogRecord[] = [];
  let batchBytes = 0;
  let skippedBytes = 0;
  for (;;) {
    if (signal.aborted) return;
    const chunkBytes = Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, Math.floor(READ_BUFFER_BYTES / sources.size)));
    // A chunk the filters leave nothing of is not the end: read on until a record passes or the log ends.
    for (const source of sources.values())
      while (source.head === source.buffer.length && !source.drained) skippedBytes += await refill(source, query, chunkBytes);
    const next = earliest(sources);
    if (!next) break;
    const record = next.buffer[next.head++]!;
    next.position = next.head === next.buffer.length ? next.chunkEnd : record.nextOffset;
    const cursor = cursorOf(sources);
    const { timeUnixNano, stream, partial, content, nextOffset } = record; // not a spread: it costs per record
    records.push({ timeUnixNano, stream, partial, content, nextOffset, executable: next.name, cursor });
    batchBytes += record.content.length + cursor.length;
    if (records.length >= BATCH_RECORDS || batchBytes >= BATCH_BYTES) {
      yield { records, cursor, skippedBytes };
      records = [];
      batchBytes = skippedBytes = 0;
    }
  }
  if (records.length > 0 || skippedBytes > 0) yield { records, cursor: cursorOf(sources), skippedBytes };
}

/** What every source has now, log by log, as stored. */
async function* drainPacked(sources: Map<string, Source>, query: LogQuery, signal: AbortSignal): AsyncGenerator<PackedLogBatch> {
  for (const source of sources.values()) {
    while (!source.drained && !signal.aborted) {
      const read = await readLogBytesFrom(source.dir, source.chunkEnd, MAX_CHUNK_BYTES);
      if (read.spans.length === 0) source.drained = true;
      const records = needsFields(query) ? wantedBytes(read.spans, source, query) : asOne(read.spans);
      source.position = source.chunkEnd = source.done ? source.chunkEnd : read.nextOffset;
      if (records.length > 0 || read.skippedBytes > 0)
        yield { records, executable: source.name, nextOffset: source.position, cursor: cursorOf(sources), skippedBytes: read.skippedBytes };
    }
  }
}

/** Filters that look into records; tail and cursor only choose where the read starts. */
const needsFields = (query: LogQuery): boolean =>
  query.streams !== undefined || query.sinceUnixNano !== undefined || query.untilUnixNano !== undefined || query.accept !== undefined;

/** The records of the spans the query wants, copied; past `until`, the source is done and ends at that record. */
function wantedBytes(spans: readonly RecordBytes[], source: Source, query: LogQuery): Buffer {
  const wanted: Buffer[] = [];
  for (const span of spans) {
    let start = 0;
    for (const record of recordsOf(span)) {
      const end = record.nextOffset - span.base - span.from;
      if (query.untilUnixNano !== undefined && record.timeUnixNano >= query.untilUnixNano) {
        source.done = source.drained = true;
        source.chunkEnd = span.base + span.from + start;
        return Buffer.concat(wanted);
      }
      if (passes(record, query)) wanted.push(span.bytes.subarray(start, end));
      start = end;
    }
  }
  return Buffer.concat(wanted);
}

/** The spans' bytes as one Buffer, copied only when a read crossed segments. */
const asOne = (spans: readonly RecordBytes[]): Buffer => (spans.length === 1 ? spans[0]!.bytes : Buffer.concat(spans.map((s) => s.bytes)));

/** Reads the next chunk of a source into its buffer, keeping only what the query wants. */
async function refill(source: Source, query: LogQuery, chunkBytes: number): Promise<number> {
  const chunk = await readLogFrom(source.dir, source.chunkEnd, chunkBytes);
  if (chunk.records.length === 0) {
    source.drained = true;
    return chunk.skippedBytes;
  }
  const wanted: LogRecord[] = [];
  for (const record of chunk.records) {
    if (query.untilUnixNano !== undefined && record.timeUnixNano >= query.untilUnixNano) {
      source.done = source.drained = true;
      break;
    }
    if (passes(record, query)) wanted.push(record);
  }
  source.buffer = wanted;
  source.head = 0;
  source.chunkEnd = source.done ? (wanted.at(-1)?.nextOffset ?? source.chunkEnd) : chunk.nextOffset;
  if (wanted.length === 0) source.position = source.chunkEnd;
  return chunk.skippedBytes;
}

/** The source whose next record is the oldest; ties go to the first source, so one log keeps its own order. */
function earliest(sources: Map<string, Source>): Source | undefined {
  let best: Source | undefined;
  for (const source of sources.values()) {
    const head = source.buffer[source.head];
    if (head && (!best || head.timeUnixNano < best.buffer[best.head]!.timeUnixNano)) best = source;
  }
  return best;
}

/** Moves each source to where its share of the selection's newest `tail` records begins (or to its end). */
async function startAtTail(sources: readonly Source[], query: LogQuery): Promise<void> {
  const inRange = (r: LogRecord): boolean => passes(r, query) && (query.untilUnixNano === undefined || r.timeUnixNano < query.untilUnixNano);
  const starts = await tailStarts(sources, query.tail!, inRange);
  for (const source of sources) source.position = source.chunkEnd = starts.get(source.name) ?? (await logEnd(source.dir));
}

const passes = (r: LogRecord, query: LogQuery): boolean =>
  (!query.streams || query.streams.has(r.stream)) &&
  (query.sinceUnixNano === undefined || r.timeUnixNano >= query.sinceUnixNano) &&
  (query.accept === undefined || query.accept(r));

const cursorOf = (sources: Map<string, Source>): string => encodeCursorParts(sources.values());

/** A position a caller gave must be where a record starts: from the middle of one, the bytes do not parse. */
async function checkStarts(sources: readonly Source[], fromCursor: boolean): Promise<void> {
  for (const source of sources) {
    if (source.position === 0 || (await isRecordStart(source.dir, source.position))) continue;
    if (fromCursor) throw invalid("cursor", "is not a cursor this API returned");
    throw invalid("offset", `${source.position} is not where a record starts: pass a next_offset this API returned`);
  }
}

function validateLogQuery(query: LogQuery): void {
  if (query.tail !== undefined && (query.tail < 0 || query.tail > MAX_TAIL)) throw invalid("tail", `must be 0 to ${MAX_TAIL}, got ${query.tail}`);
  if (query.sinceUnixNano !== undefined && query.untilUnixNano !== undefined && query.untilUnixNano <= query.sinceUnixNano)
    throw invalid("until", "must be after since");
}

const nowUnixNano = (): bigint => BigInt(Date.now()) * 1_000_000n;
