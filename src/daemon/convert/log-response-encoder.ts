// grpc-js turns each GetLogs and GetDaemonLogs response into bytes with ts-proto's generic writer: a fork and join
// per entry, a DataView round trip per int64 and a TextEncoder call per string, ~0.8 us per entry, the largest cost
// of a follow in the daemon. This writes the same bytes (the test compares them with the generated encoder's) in two
// passes over the entries: their sizes, then one Buffer.
import { endianness } from "node:os";
import type { GetDaemonLogsResponse, GetLogsResponse, LogEntry } from "../../gen/aurae/observe/v1/observe.js";

/** Field tags (field number << 3 | wire type) of aurae.observe.v1.GetLogsResponse and LogEntry, as generated. */
const RESPONSE_ENTRIES = 10;
const RESPONSE_CURSOR = 18;
const RESPONSE_SKIPPED_BYTES = 24;
const RESPONSE_RECORDS = 34;
const RESPONSE_EXECUTABLE = 42;
const RESPONSE_NEXT_OFFSET = 48;
const ENTRY_TIME = 8;
const ENTRY_STREAM = 16;
const ENTRY_PARTIAL = 24;
const ENTRY_LINE = 34;
const ENTRY_NEXT_OFFSET = 40;
const ENTRY_EXECUTABLE = 50;
const ENTRY_CURSOR = 58;

const LOW_WORD = endianness() === "LE" ? 0 : 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A GetLogsResponse, or a GetDaemonLogsResponse (the same fields but the packed ones). */
export type LogsResponse = GetDaemonLogsResponse & Partial<Pick<GetLogsResponse, "records" | "executableName" | "nextOffset">>;

/** The protobuf encoding of a GetLogsResponse or GetDaemonLogsResponse, as GetLogsResponse.encode. */
export function encodeLogsResponse(message: LogsResponse): Buffer {
  const { records = NO_BYTES, executableName = "", nextOffset = 0n } = message;
  const sizes = new LogEntrySizes(message.entries);
  let size = sizes.total;
  const cursorBytes = utf8Length(message.cursor);
  if (cursorBytes > 0) size += 1 + varint32Size(cursorBytes) + cursorBytes;
  const words = new Int32Array(4);
  sizes.words64(message.skippedBytes, "skippedBytes", words, 0);
  if (message.skippedBytes !== 0n) size += 1 + varint64Size(words[0]!, words[1]!);
  if (records.length > 0) size += 1 + varint32Size(records.length) + records.length;
  const nameBytes = utf8Length(executableName);
  if (nameBytes > 0) size += 1 + varint32Size(nameBytes) + nameBytes;
  sizes.words64(nextOffset, "nextOffset", words, 2);
  if (nextOffset !== 0n) size += 1 + varint64Size(words[2]!, words[3]!);

  const out = new Writer(Buffer.allocUnsafe(size));
  message.entries.forEach((entry, i) => {
    out.varint32(RESPONSE_ENTRIES).varint32(sizes.entry[i]!);
    writeEntry(out, entry, sizes, i);
  });
  if (cursorBytes > 0) out.varint32(RESPONSE_CURSOR).varint32(cursorBytes).string(message.cursor, cursorBytes);
  if (message.skippedBytes !== 0n) out.varint32(RESPONSE_SKIPPED_BYTES).varint64(words[0]!, words[1]!);
  if (records.length > 0) out.varint32(RESPONSE_RECORDS).varint32(records.length).bytes(records);
  if (nameBytes > 0) out.varint32(RESPONSE_EXECUTABLE).varint32(nameBytes).string(executableName, nameBytes);
  if (nextOffset !== 0n) out.varint32(RESPONSE_NEXT_OFFSET).varint64(words[2]!, words[3]!);
  return out.buffer;
}

const NO_BYTES = new Uint8Array(0);

/** What the first pass learns of each entry, kept for the second: sizes, int64 words, string lengths. */
class LogEntrySizes {
  /** Bytes of each entry, without its tag and length. */
  readonly entry: Int32Array;
  /** Per entry: time lo, time hi, next offset lo, next offset hi. */
  readonly words: Int32Array;
  /** Per entry: bytes of executable_name and of cursor. */
  readonly strings: Int32Array;
  /** Bytes of every entry with its tag and length. */
  total = 0;
  /** An int64 and its two words in the host's byte order (a BigInt64Array is ~3-7x faster than a DataView here). */
  readonly #int64 = new BigInt64Array(1);
  readonly #words = new Int32Array(this.#int64.buffer);

  constructor(entries: readonly LogEntry[]) {
    this.entry = new Int32Array(entries.length);
    this.words = new Int32Array(entries.length * 4);
    this.strings = new Int32Array(entries.length * 2);
    let lastName: string | undefined;
    let lastNameBytes = 0;
    entries.forEach((e, i) => {
      const w = this.words;
      this.words64(e.timeUnixNano, "timeUnixNano", w, i * 4);
      this.words64(e.nextOffset, "nextOffset", w, i * 4 + 2);
      if (e.executableName !== lastName) {
        lastName = e.executableName;
        lastNameBytes = utf8Length(lastName);
      }
      const cursorBytes = utf8Length(e.cursor);
      this.strings[i * 2] = lastNameBytes;
      this.strings[i * 2 + 1] = cursorBytes;
      let size = 0;
      if (e.timeUnixNano !== 0n) size += 1 + varint64Size(w[i * 4]!, w[i * 4 + 1]!);
      if (e.stream !== 0) size += 1 + int32Size(e.stream);
      if (e.partial) size += 2;
      if (e.line.length !== 0) size += 1 + varint32Size(e.line.length) + e.line.length;
      if (e.nextOffset !== 0n) size += 1 + varint64Size(w[i * 4 + 2]!, w[i * 4 + 3]!);
      if (lastNameBytes !== 0) size += 1 + varint32Size(lastNameBytes) + lastNameBytes;
      if (cursorBytes !== 0) size += 1 + varint32Size(cursorBytes) + cursorBytes;
      this.entry[i] = size;
      this.total += 1 + varint32Size(size) + size;
    });
  }

  /** Stores the two's complement words of an int64 (low first) at into[at]; refuses it out of range, as ts-proto. */
  words64(value: bigint, field: string, into: Int32Array, at: number): void {
    if (value < INT64_MIN || value > INT64_MAX) throw new Error(`value provided for field ${field} of type int64 too large`);
    this.#int64[0] = value;
    into[at] = this.#words[LOW_WORD]!;
    into[at + 1] = this.#words[1 - LOW_WORD]!;
  }
}

function writeEntry(out: Writer, e: LogEntry, sizes: LogEntrySizes, i: number): void {
  const w = sizes.words;
  if (e.timeUnixNano !== 0n) out.varint32(ENTRY_TIME).varint64(w[i * 4]!, w[i * 4 + 1]!);
  if (e.stream !== 0) out.varint32(ENTRY_STREAM).int32(e.stream);
  if (e.partial) out.varint32(ENTRY_PARTIAL).varint32(1);
  if (e.line.length !== 0) out.varint32(ENTRY_LINE).varint32(e.line.length).bytes(e.line);
  if (e.nextOffset !== 0n) out.varint32(ENTRY_NEXT_OFFSET).varint64(w[i * 4 + 2]!, w[i * 4 + 3]!);
  const nameBytes = sizes.strings[i * 2]!;
  if (nameBytes !== 0) out.varint32(ENTRY_EXECUTABLE).varint32(nameBytes).string(e.executableName, nameBytes);
  const cursorBytes = sizes.strings[i * 2 + 1]!;
  if (cursorBytes !== 0) out.varint32(ENTRY_CURSOR).varint32(cursorBytes).string(e.cursor, cursorBytes);
}

/** Appends to a Buffer sized by the first pass. */
class Writer {
  #at = 0;

  constructor(readonly buffer: Buffer) {}

  /** A non-negative number below 2^32 as a varint. */
  varint32(value: number): this {
    while (value > 0x7f) {
      this.buffer[this.#at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buffer[this.#at++] = value;
    return this;
  }

  /** A 64-bit two's complement value given as its low and high 32-bit words. */
  varint64(lo: number, hi: number): this {
    let low = lo >>> 0;
    let high = hi >>> 0;
    while (high !== 0 || low > 0x7f) {
      this.buffer[this.#at++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buffer[this.#at++] = low;
    return this;
  }

  /** A negative int32 is sign-extended to ten bytes, as protobuf says. */
  int32(value: number): this {
    return value >= 0 ? this.varint32(value) : this.varint64(value, -1);
  }

  bytes(value: Uint8Array): this {
    this.buffer.set(value, this.#at);
    this.#at += value.length;
    return this;
  }

  /** `byteLength` is utf8Length(value). */
  string(value: string, byteLength: number): this {
    // Byte by byte when ASCII (the cursors and names of every entry): Buffer.write costs more per call than this.
    if (byteLength === value.length) for (let i = 0; i < value.length; i++) this.buffer[this.#at + i] = value.charCodeAt(i);
    else this.buffer.write(value, this.#at, byteLength, "utf8");
    this.#at += byteLength;
    return this;
  }
}

/** The UTF-8 length of a string: its length when it is ASCII (only then are the two equal). */
function utf8Length(value: string): number {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return Buffer.byteLength(value);
  return value.length;
}

function varint32Size(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size++;
  }
  return size;
}

function varint64Size(lo: number, hi: number): number {
  let low = lo >>> 0;
  let high = hi >>> 0;
  let size = 1;
  while (high !== 0 || low > 0x7f) {
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
    size++;
  }
  return size;
}

const int32Size = (value: number): number => (value >= 0 ? varint32Size(value) : 10);
