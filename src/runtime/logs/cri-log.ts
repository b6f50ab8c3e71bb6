// Reads log files in the Kubernetes CRI format the shim writes: `<RFC3339Nano> <stdout|stderr> <F|P> <content>\n`.
// Content never holds a newline (the shim splits on it) but may hold any other byte, so parsing works on Buffers.
import { open } from "node:fs/promises";
import { errnoCode, internal } from "../../errors.js";

export type LogStreamName = "stdout" | "stderr";

export interface LogRecord {
  readonly timeUnixNano: bigint;
  readonly stream: LogStreamName;
  /** The CRI "P" tag: the line continues in the next record of the same stream. */
  readonly partial: boolean;
  readonly content: Buffer;
  /** Byte offset just past this record: where a reader resumes. */
  readonly nextOffset: number;
}

export interface LogChunk {
  readonly records: LogRecord[];
  /** Offset after the last complete record; a torn record at the end of the file is left for the next read. */
  readonly nextOffset: number;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;

/** Reads complete records from `offset`, about `maxBytes` of them (one record is returned even if larger). */
export async function readLogChunk(path: string, offset: number, maxBytes = 1 << 20): Promise<LogChunk> {
  let file;
  try {
    file = await open(path, "r");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return { records: [], nextOffset: offset };
    throw internal(`open ${path}: ${errnoCode(err)}`, { cause: err });
  }
  try {
    let size = maxBytes;
    for (;;) {
      const buffer = Buffer.allocUnsafe(size);
      const { bytesRead } = await file.read(buffer, 0, size, offset);
      const records = parseRecords(buffer.subarray(0, bytesRead), offset, path);
      // A single record bigger than the buffer: grow until it fits, or until the file ends with it torn.
      if (records.length > 0 || bytesRead < size) return { records, nextOffset: records.at(-1)?.nextOffset ?? offset };
      size *= 2;
    }
  } finally {
    await file.close();
  }
}

function parseRecords(buffer: Buffer, baseOffset: number, path: string): LogRecord[] {
  const records: LogRecord[] = [];
  let start = 0;
  for (;;) {
    const end = buffer.indexOf(NEWLINE, start);
    if (end < 0) return records;
    records.push(parseRecord(buffer.subarray(start, end), baseOffset + end + 1, path));
    start = end + 1;
  }
}

function parseRecord(line: Buffer, nextOffset: number, path: string): LogRecord {
  const timeEnd = line.indexOf(SPACE);
  const streamEnd = line.indexOf(SPACE, timeEnd + 1);
  const tagEnd = streamEnd + 2;
  const stream = line.toString("latin1", timeEnd + 1, streamEnd);
  const tag = line[streamEnd + 1];
  const separated = tagEnd === line.length || line[tagEnd] === SPACE; // an empty line may end right after the tag
  if (timeEnd < 0 || streamEnd < 0 || (stream !== "stdout" && stream !== "stderr") || (tag !== 0x46 && tag !== 0x50) || !separated)
    throw internal(`${path}: malformed log record before offset ${nextOffset}`);
  return {
    timeUnixNano: parseRfc3339Nano(line.toString("latin1", 0, timeEnd), path),
    stream,
    partial: tag === 0x50, // "P"
    content: line.subarray(Math.min(tagEnd + 1, line.length)),
    nextOffset,
  };
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
