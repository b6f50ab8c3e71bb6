// Reads log files in the Kubernetes CRI format the shim writes: `<RFC3339Nano> <stdout|stderr> <F|P> <content>\n`.
// Content never holds a newline (the shim splits on it) but may hold any other byte, so parsing works on Buffers.
import { open, type FileHandle } from "node:fs/promises";
import { errnoCode, internal } from "../../errors.js";

export type LogStreamName = "stdout" | "stderr";

export interface LogRecord {
  readonly timeUnixNano: bigint;
  readonly stream: LogStreamName;
  /** The CRI "P" tag: the line continues in the next record of the same stream. */
  readonly partial: boolean;
  readonly content: Buffer;
  /** Byte offset just past this record: where a reader resumes (in a segmented log, global: see segments.ts). */
  readonly nextOffset: number;
}

export interface LogChunk {
  readonly records: LogRecord[];
  /** Offset after the last complete record; a torn record at the end of the file is left for the next read. */
  readonly nextOffset: number;
}

/** Ends every record; never inside one. */
export const NEWLINE = 0x0a;
const SPACE = 0x20;
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/** Reads complete records from `offset`, about `maxBytes` of them (one record is returned even if larger). */
export async function readLogChunk(path: string, offset: number, maxBytes = DEFAULT_CHUNK_BYTES): Promise<LogChunk> {
  const chunk = await readRecords(path, { from: offset, maxBytes });
  return chunk ? { records: chunk.records, nextOffset: chunk.nextOffset } : { records: [], nextOffset: offset };
}

export interface RecordRange {
  /** File position to start at: 0 or just past a record. */
  readonly from: number;
  /** File position to stop at (records beyond it are not read); the end of the file if absent. */
  readonly to?: number;
  readonly maxBytes: number;
  /** Added to file positions to make each record's nextOffset (a segment's global start). */
  readonly base?: number;
  /** Read past maxBytes for a first record larger than that (the default); false: return nothing instead. */
  readonly growForFirst?: boolean;
}

export interface RangeChunk extends LogChunk {
  /** Everything up to `to` (or the end of the file) was read: what follows nextOffset there is at most a torn record. */
  readonly atEnd: boolean;
}

/** Whole records of one file as stored: `bytes` starts at file position `from` and is empty or ends with a newline. */
export interface RecordBytes {
  readonly bytes: Buffer;
  readonly path: string;
  readonly from: number;
  /** Added to file positions to make global offsets (see RecordRange). */
  readonly base: number;
  /** As RangeChunk.atEnd. */
  readonly atEnd: boolean;
}

/** Complete records in a range of one file, or undefined if there is no such file. */
export async function readRecords(path: string, range: RecordRange): Promise<RangeChunk | undefined> {
  const span = await readRecordBytes(path, range);
  return span && { records: recordsOf(span), nextOffset: span.base + span.from + span.bytes.length, atEnd: span.atEnd };
}

/** The bytes of the complete records in a range of one file, not parsed, or undefined if there is no such file. */
export async function readRecordBytes(path: string, range: RecordRange): Promise<RecordBytes | undefined> {
  const { from, to = Infinity, maxBytes, base = 0, growForFirst = true } = range;
  const file = await openLogFile(path);
  if (file === undefined) return undefined;
  try {
    // Bounded by the file's size: a buffer of maxBytes for the few bytes a follower finds at the end (and one for
    // the empty read that ends each drain) made auraed's garbage collector run ~6 times per 500,000 lines followed.
    const fileEnd = Math.min(to, (await file.stat()).size);
    for (let size = maxBytes; ; size *= 2) {
      const want = Math.max(0, Math.min(size, fileEnd - from));
      const buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = want > 0 ? await file.read(buffer, 0, want, from) : { bytesRead: 0 };
      // lastIndexOf takes a negative start as counted from the end: nothing read has no newline.
      const end = bytesRead > 0 ? buffer.lastIndexOf(NEWLINE, bytesRead - 1) + 1 : 0;
      const atEnd = bytesRead < size || from + bytesRead >= fileEnd;
      // A single record bigger than the buffer: grow until it fits, or until the range ends with it torn.
      if (end > 0 || atEnd || !growForFirst) return { bytes: buffer.subarray(0, end), path, from, base, atEnd };
    }
  } finally {
    await file.close();
  }
}

/** The records of a span, parsed (a malformed one is an internal error naming the file and offset). */
export const recordsOf = (span: RecordBytes): LogRecord[] => parseRecords(span.bytes, span.from, span.base, span.path);

/** A log file opened for reading, or undefined if there is none (never written, or deleted by rotation). */
export async function openLogFile(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, "r");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw internal(`open ${path}: ${errnoCode(err)}`, { cause: err });
  }
}

// A follower parses every record it sends, so parsing works on indices into the chunk: no Buffer per line but its
// content, no string per stream name, and each second's date checked once (see TimeReader), not per record.
function parseRecords(buffer: Buffer, from: number, base: number, path: string): LogRecord[] {
  const records: LogRecord[] = [];
  const times = new TimeReader(path);
  for (let start = 0; ; ) {
    const end = buffer.indexOf(NEWLINE, start);
    if (end < 0) return records;
    const position = from + end + 1;
    records.push(parseRecord(buffer, start, end, base + position, position, times));
    start = end + 1;
  }
}

/** The record in buffer[start, end) (end: its newline); `position` is nextOffset within the file, for errors. */
function parseRecord(buffer: Buffer, start: number, end: number, nextOffset: number, position: number, times: TimeReader): LogRecord {
  const timeEnd = buffer.indexOf(SPACE, start);
  const stream = timeEnd < end ? streamAt(buffer, timeEnd + 1) : undefined;
  const tagAt = timeEnd + STREAM_BYTES + 2;
  const tag = buffer[tagAt];
  const separated = tagAt + 1 === end || buffer[tagAt + 1] === SPACE; // an empty line may end right after the tag
  if (timeEnd < start || stream === undefined || tagAt >= end || (tag !== 0x46 && tag !== 0x50) || !separated)
    throw internal(`${times.path}: malformed log record before offset ${position}`);
  return {
    timeUnixNano: times.read(buffer, start, timeEnd),
    stream,
    partial: tag === 0x50, // "P"
    content: buffer.subarray(Math.min(tagAt + 2, end), end),
    nextOffset,
  };
}

/** Both stream names are six bytes. */
const STREAM_BYTES = 6;
const STDOUT = Buffer.from("stdout ");
const STDERR = Buffer.from("stderr ");

/** "stdout" or "stderr" followed by a space at buffer[at], or undefined. */
function streamAt(buffer: Buffer, at: number): LogStreamName | undefined {
  if (sameBytes(buffer, at, STDOUT, STDOUT.length)) return "stdout";
  if (sameBytes(buffer, at, STDERR, STDERR.length)) return "stderr";
  return undefined;
}

/** `YYYY-MM-DDTHH:MM:SS`: what records of the same second share. */
const SECOND_CHARS = 19;
/** With nine digits of fraction and the Z: the longest valid timestamp. */
const MAX_TIME_CHARS = SECOND_CHARS + 11;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const Z = 0x5a;

/**
 * Reads the timestamps of one chunk. A chunk holds thousands of records stamped within a few seconds, and the shim
 * stamps every record of one read(2) alike: a timestamp equal to the last one is that one, and of another, only the
 * fraction is read when its date and time of day are those of the last second checked and converted (by
 * parseRfc3339Nano). Anything unusual goes to parseRfc3339Nano, which refuses it with the usual message.
 */
class TimeReader {
  readonly #last = Buffer.alloc(MAX_TIME_CHARS);
  #lastLength = -1;
  #lastUnixNano = 0n;
  readonly #second = Buffer.alloc(SECOND_CHARS);
  #secondUnixNano: bigint | undefined;

  constructor(readonly path: string) {}

  /** The timestamp in buffer[start, end). */
  read(buffer: Buffer, start: number, end: number): bigint {
    const length = end - start;
    if (length === this.#lastLength && sameBytes(buffer, start, this.#last, length)) return this.#lastUnixNano;
    const time = this.#readNew(buffer, start, end);
    if (length <= MAX_TIME_CHARS) {
      buffer.copy(this.#last, 0, start, end);
      this.#lastLength = length;
      this.#lastUnixNano = time;
    }
    return time;
  }

  #readNew(buffer: Buffer, start: number, end: number): bigint {
    const fraction = fractionNanos(buffer, start + SECOND_CHARS, end);
    if (fraction >= 0 && this.#secondUnixNano !== undefined && sameBytes(buffer, start, this.#second, SECOND_CHARS))
      return this.#secondUnixNano + BigInt(fraction);
    const time = parseRfc3339Nano(buffer.toString("latin1", start, end), this.path);
    buffer.copy(this.#second, 0, start, start + SECOND_CHARS);
    this.#secondUnixNano = time - BigInt(fraction);
    return time;
  }
}

/** Whether buffer[at, at + length) holds the first `length` bytes of `other` (a call to Buffer.compare costs more). */
function sameBytes(buffer: Buffer, at: number, other: Buffer, length: number): boolean {
  for (let i = 0; i < length; i++) if (buffer[at + i] !== other[i]) return false;
  return true;
}

/** The nanoseconds of `[.digits]Z` in buffer[at, end), or -1 if it is not that. */
function fractionNanos(buffer: Buffer, at: number, end: number): number {
  if (buffer[end - 1] !== Z) return -1;
  if (at === end - 1) return 0;
  const digits = end - 1 - at - 1;
  if (buffer[at] !== DOT || digits < 1 || digits > 9) return -1;
  let nanos = 0;
  for (let i = at + 1; i < end - 1; i++) {
    const digit = buffer[i]!;
    if (digit < ZERO || digit > NINE) return -1;
    nanos = nanos * 10 + (digit - ZERO);
  }
  return nanos * 10 ** (9 - digits);
}

/** `2026-11-24T22:28:00.123456789Z` to nanoseconds since the epoch, keeping every digit. */
export function parseRfc3339Nano(text: string, path = "log"): bigint {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  const ms = match ? Date.parse(`${match[1]}Z`) : NaN;
  // Date.parse rolls impossible dates over (Feb 30 is Mar 2): only a round trip proves the date exists.
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== match[1])
    throw internal(`${path}: bad timestamp "${text}"`);
  const seconds = ms / 1000;
  return BigInt(seconds) * 1_000_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
}
