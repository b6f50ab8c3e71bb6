// Reads the records of a packed GetLogsResponse (`records`: the log's records as stored, see observe.proto) without
// copying them: each record's time and line are views into the response's bytes. The format is checked as the
// records are read; a malformed one throws InternalError naming its position, it is never skipped.
import { LogStream } from "../gen/aurae/observe/v1/observe.js";
import { InternalError } from "./errors.js";

export interface PackedLogRecord {
  /** The RFC 3339 timestamp as sent (ASCII, its shape checked): packedLogTimeUnixNano converts it. */
  readonly time: Uint8Array;
  readonly stream: LogStream.LOG_STREAM_STDOUT | LogStream.LOG_STREAM_STDERR;
  /** The line goes on in the next record of the same stream (the CRI "P" tag). */
  readonly partial: boolean;
  /** The bytes of the line without its newline. */
  readonly line: Uint8Array;
}

/** The records of a packed response's `records`, in order. */
export const packedLogRecords = (records: Uint8Array): IterableIterator<PackedLogRecord> => new PackedLogRecords(records);

// An iterator class, not a generator: a yield costs more than a call to next() that reuses its result object.
class PackedLogRecords implements IterableIterator<PackedLogRecord> {
  readonly #bytes: Buffer;
  #start = 0;
  /** Where the last record's time was, and how long: the shim stamps every record of one read(2) alike. */
  #timeAt = -1;
  #timeLength = 0;
  readonly #result: { done: false; value: PackedLogRecord } = { done: false, value: undefined as unknown as PackedLogRecord };

  constructor(records: Uint8Array) {
    // A Buffer view (no copy): its indexOf is memchr, a Uint8Array's a loop.
    this.#bytes = Buffer.isBuffer(records) ? records : Buffer.from(records.buffer, records.byteOffset, records.byteLength);
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<PackedLogRecord> {
    const bytes = this.#bytes;
    const start = this.#start;
    if (start >= bytes.length) return { done: true, value: undefined };
    const end = bytes.indexOf(NEWLINE, start);
    if (end < 0) throw malformed(start, "does not end with a newline");
    this.#start = end + 1;
    const length = this.#sameTime(bytes, start, end) ? this.#timeLength : timeLength(bytes, start, end);
    this.#timeAt = start;
    this.#timeLength = length;
    this.#result.value = parseRecord(bytes, start, end, length);
    return this.#result;
  }

  /** Whether the record at `start` begins with the last record's time and a space. */
  #sameTime(bytes: Buffer, start: number, end: number): boolean {
    const length = this.#timeLength;
    if (length === 0 || start + length >= end || bytes[start + length] !== SPACE) return false;
    for (let i = 0, last = this.#timeAt; i < length; i++) if (bytes[start + i] !== bytes[last + i]) return false;
    return true;
  }
}

/** Nanoseconds since the Unix epoch of a record's time. */
export function packedLogTimeUnixNano(time: Uint8Array): bigint {
  const text = Buffer.from(time.buffer, time.byteOffset, time.byteLength).toString("latin1");
  const ms = timeLength(time, 0, time.length) === time.length ? Date.parse(`${text.slice(0, SECOND_CHARS)}Z`) : NaN;
  // Date.parse rolls impossible dates over (Feb 30 is Mar 2): only a round trip proves the date exists.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, SECOND_CHARS) !== text.slice(0, SECOND_CHARS))
    throw new InternalError(`packed log record: bad timestamp "${text}"`);
  return BigInt(ms / 1000) * 1_000_000_000n + BigInt(text.slice(SECOND_CHARS + 1, -1).padEnd(9, "0"));
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const F = 0x46;
const P = 0x50;
/** `YYYY-MM-DDTHH:MM:SS`; a fraction of 1 to 9 digits and the Z follow. */
const SECOND_CHARS = 19;
const STDOUT = Buffer.from("stdout ");
const STDERR = Buffer.from("stderr ");

/** The record in bytes[start, end) (end: its newline) whose time is `timeChars` long (0: none). */
function parseRecord(bytes: Buffer, start: number, end: number, timeChars: number): PackedLogRecord {
  const timeEnd = start + timeChars;
  if (timeEnd === start || bytes[timeEnd] !== SPACE) throw malformed(start, "does not start with an RFC 3339 UTC time and a space");
  const streamAt = timeEnd + 1;
  const stream = startsWith(bytes, streamAt, STDOUT) ? STDOUT_STREAM : startsWith(bytes, streamAt, STDERR) ? STDERR_STREAM : undefined;
  const tagAt = streamAt + STDOUT.length;
  if (stream === undefined || tagAt >= end) throw malformed(start, 'has no stream "stdout" or "stderr" after its time');
  const tag = bytes[tagAt];
  // An empty line ends right after the tag.
  if ((tag !== F && tag !== P) || (tagAt + 1 !== end && bytes[tagAt + 1] !== SPACE)) throw malformed(start, 'has no tag "F" or "P" after its stream');
  return { time: view(bytes, start, timeEnd), stream, partial: tag === P, line: view(bytes, Math.min(tagAt + 2, end), end) };
}

/** bytes[start, end) as a Uint8Array over the same memory (Buffer's subarray costs more: it makes a Buffer). */
function view(bytes: Buffer, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}

const STDOUT_STREAM = LogStream.LOG_STREAM_STDOUT as const;
const STDERR_STREAM = LogStream.LOG_STREAM_STDERR as const;

/** The length of the RFC 3339 UTC time (`2026-12-08T00:30:00.123456789Z`) at bytes[at], before `end`; 0 if none. */
function timeLength(bytes: Uint8Array, at: number, end: number): number {
  for (let i = 0; i < SECOND_CHARS; i++) {
    const c = bytes[at + i];
    const expected = SHAPE[i]!;
    if (c === undefined || at + i >= end || (expected === DIGIT ? c < 0x30 || c > 0x39 : c !== expected)) return 0;
  }
  let i = SECOND_CHARS;
  if (bytes[at + i] === 0x2e) {
    // "."
    for (i++; i <= SECOND_CHARS + 9 && at + i < end && bytes[at + i]! >= 0x30 && bytes[at + i]! <= 0x39; i++);
    if (i === SECOND_CHARS + 1) return 0;
  }
  return at + i < end && bytes[at + i] === 0x5a ? i + 1 : 0; // "Z"
}

/** Stands for any digit in SHAPE. */
const DIGIT = -1;
const SHAPE = [...Buffer.from("0000-00-00T00:00:00")].map((c) => (c === 0x30 ? DIGIT : c));

function startsWith(bytes: Buffer, at: number, prefix: Buffer): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

const malformed = (at: number, what: string): InternalError =>
  new InternalError(`packed log records: the record at byte ${at} ${what}`);
