// Reads a workload's log as the shim writes it (native/src/segments.c): a directory of segments that rotate by size.
//
// The format:
// - A log is a directory. Each segment is a file named by the GLOBAL byte offset at which it starts, as 20 decimal
//   digits and ".log": `00000000000000000000.log`, `00000000000010485760.log`, ... Other names are not segments.
// - The global offset of a byte is its segment's start plus its position in the segment. A reader's cursor is a
//   global offset, so it stays valid across rotations (until retention deletes the bytes it points at).
// - Records are CRI lines (cri-log.ts): `<RFC3339Nano> <stdout|stderr> <F|P> <content>\n`. A record never spans
//   two segments: the shim starts a new segment only between records, named by the global end of the old one.
// - The shim appends to the newest segment; once a record would take it past --log-max-bytes (and it is not empty),
//   it starts a new one, then deletes the oldest beyond --log-max-files. A record larger than the limit is alone.
// - Two shims may append to one directory for a moment (a restarted executable's last run finishing as the next
//   starts). If the old one writes on into a segment after the new one rotated, the old segment outgrows the
//   start of the next: a reader takes each segment only up to the next one's start, and jumps over the rest.
import { readdirSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, internal, invalid, unavailable } from "../../errors.js";
import { DEFAULT_CHUNK_BYTES, NEWLINE, openLogFile, readRecordBytes, readRecords, recordsOf, type LogRecord, type RecordBytes } from "./cri-log.js";

export interface SegmentFile {
  /** Global offset of its first byte. */
  readonly start: number;
  readonly path: string;
}

export interface Segment extends SegmentFile {
  /** Its size when listed; the newest segment may have grown since. */
  readonly size: number;
}

export interface LogRead {
  readonly records: LogRecord[];
  /** Global offset after the last complete record read: where the next read starts. */
  readonly nextOffset: number;
  /** Global bytes passed over without records: deleted by retention, or (rarely) a record cut off at the end of an
   * older segment by two shims racing a rotation (see the format). */
  readonly skippedBytes: number;
}

/** A read of whole records as stored, not parsed: one span per segment it took bytes of. */
export interface LogBytesRead {
  readonly spans: RecordBytes[];
  /** As LogRead. */
  readonly nextOffset: number;
  readonly skippedBytes: number;
}

const SEGMENT_NAME = /^(\d{20})\.log$/;

/** The file name of the segment starting at global offset `start`. */
export const segmentName = (start: number): string => `${String(start).padStart(20, "0")}.log`;

/** Segment names and starts in order, read synchronously (for a writer that must not interleave with itself). */
export function listSegmentNamesSync(dir: string): { name: string; start: number }[] {
  return readdirSync(dir)
    .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
    .filter((e) => e.match !== null)
    .map((e) => ({ name: e.name, start: Number(e.match![1]) }))
    .sort((a, b) => a.start - b.start);
}

/** Segments of a log dir in order, with their sizes. A missing dir is an empty log. */
export async function listSegments(dir: string): Promise<Segment[]> {
  const segments = await Promise.all((await listSegmentFiles(dir)).map(withSize));
  return segments.filter((s) => s !== undefined);
}

/**
 * Segments of a log dir in order, by name alone: what a forward read needs (it takes each older segment up to the
 * next one's start, the newest to its end), without a stat of each of a long log's segments for every chunk read.
 */
async function listSegmentFiles(dir: string): Promise<SegmentFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw internal(`read log directory ${dir}: ${errnoCode(err)}`, { cause: err });
  }
  const segments: SegmentFile[] = [];
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name);
    if (!match) continue;
    const start = Number(match[1]);
    if (!Number.isSafeInteger(start)) throw internal(`${join(dir, name)}: segment offset beyond 2^53`);
    segments.push({ start, path: join(dir, name) });
  }
  return segments.sort((a, b) => a.start - b.start);
}

/**
 * Complete records from global `offset`, up to maxBytes of them (or one larger record), crossing into later segments
 * as needed. If `offset` is older than the oldest segment kept, reading starts at the oldest segment's start.
 */
export async function readLogFrom(dir: string, offset: number, maxBytes = DEFAULT_CHUNK_BYTES): Promise<LogRead> {
  const { spans, nextOffset, skippedBytes } = await readLogBytesFrom(dir, offset, maxBytes);
  const records: LogRecord[] = [];
  for (const span of spans) records.push(...recordsOf(span));
  return { records, nextOffset, skippedBytes };
}

/** What readLogFrom reads, as the bytes of its records, not parsed: for a reader that sends them on as they are. */
export async function readLogBytesFrom(dir: string, offset: number, maxBytes = DEFAULT_CHUNK_BYTES): Promise<LogBytesRead> {
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalid("offset", `must be a non-negative byte offset, got ${offset}`);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw invalid("maxBytes", `must be a positive number of bytes, got ${maxBytes}`);
  try {
    return await readSegments(await listSegmentFiles(dir), offset, maxBytes);
  } catch (err) {
    if (!(err instanceof SegmentGone)) throw err;
  }
  // A segment went missing (retention, or a name that is no file): the listing that leaves such names out.
  return retryOnRotation(dir, (segments) => readSegments(segments, offset, maxBytes));
}

/** The global offset just past the last complete record (where a follower "from now" starts). */
export async function logEnd(dir: string): Promise<number> {
  return retryOnRotation(dir, async (segments) => {
    const last = segments.at(-1);
    if (last === undefined) return 0;
    for await (const newline of newlinesBackward(last.path, last.size)) return last.start + newline + 1;
    return last.start; // empty, or one torn record
  });
}

/** A record and the global offset where it starts. */
export interface PlacedRecord extends LogRecord {
  readonly offset: number;
}

/**
 * The log's complete records from the newest back to the oldest kept, in chunks of about `chunkBytes` (newest
 * first within each), so a reader that wants the end reads only the end. Retention deleting a segment not read yet
 * ends the walk there: its records are gone.
 */
export async function* recordsBackward(dir: string, chunkBytes = BACKWARD_CHUNK_BYTES): AsyncGenerator<PlacedRecord[]> {
  const segments = await listSegments(dir);
  try {
    for (let i = segments.length - 1; i >= 0; i--) {
      const segment = segments[i]!;
      let end: number | undefined; // just past the oldest record yielded so far (the newest not yet)
      for await (const newline of newlinesBackward(segment.path, regionEnd(segments, i) ?? segment.size)) {
        if (end === undefined) end = newline + 1; // what follows the last newline is a torn record
        else if (end - (newline + 1) >= chunkBytes) {
          yield await placedRecords(segment, newline + 1, end);
          end = newline + 1;
        }
      }
      if (end !== undefined) yield await placedRecords(segment, 0, end);
    }
  } catch (err) {
    if (!(err instanceof SegmentGone)) throw err;
  }
}

/** The records between two record boundaries of a segment, newest first. */
async function placedRecords(segment: Segment, from: number, to: number): Promise<PlacedRecord[]> {
  const chunk = await readRecords(segment.path, { from, to, maxBytes: to - from, base: segment.start });
  if (chunk === undefined) throw new SegmentGone();
  let offset = segment.start + from;
  const placed = chunk.records.map((record) => {
    const at = { ...record, offset };
    offset = record.nextOffset;
    return at;
  });
  return placed.reverse();
}

/**
 * Whether a reader may start at global `offset`: where a record starts (a segment's start, or just past a newline),
 * or before the oldest segment kept (reading then starts there). Inside a record, or past the end, it may not.
 */
export async function isRecordStart(dir: string, offset: number): Promise<boolean> {
  return retryOnRotation(dir, async (segments) => {
    if (segments.length === 0) return offset === 0;
    const i = segments.findLastIndex((s) => s.start <= offset);
    if (i < 0 || segments[i]!.start === offset) return true;
    const segment = segments[i]!;
    const within = offset - segment.start;
    if (within > (regionEnd(segments, i) ?? segment.size)) return false;
    const file = await openLogFile(segment.path);
    if (file === undefined) throw new SegmentGone();
    try {
      const before = Buffer.alloc(1);
      const { bytesRead } = await file.read(before, 0, 1, within - 1);
      return bytesRead === 1 && before[0] === NEWLINE;
    } finally {
      await file.close();
    }
  });
}

async function withSize({ start, path }: SegmentFile): Promise<Segment | undefined> {
  try {
    return { start, path, size: (await stat(path)).size };
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined; // deleted by retention since readdir
    throw internal(`stat ${path}: ${errnoCode(err)}`, { cause: err });
  }
}

async function readSegments(segments: readonly SegmentFile[], offset: number, maxBytes: number): Promise<LogBytesRead> {
  const oldest = segments[0];
  if (oldest === undefined) return { spans: [], nextOffset: offset, skippedBytes: 0 };
  const spans: RecordBytes[] = [];
  let read = 0;
  let position = Math.max(offset, oldest.start);
  let skippedBytes = position - offset;
  for (let i = segments.findLastIndex((s) => s.start <= position); ; i++) {
    const segment = segments[i]!;
    // Up to the next one's start (see the format): a file shorter than that simply ends the read of it sooner.
    const range = { from: position - segment.start, to: nextStart(segments, i), base: segment.start };
    const span = await readRecordBytes(segment.path, { ...range, maxBytes: maxBytes - read, growForFirst: read === 0 });
    if (span === undefined) throw new SegmentGone();
    if (span.bytes.length > 0) spans.push(span);
    read += span.bytes.length;
    position += span.bytes.length;
    const next = segments[i + 1];
    // Stop when the budget is spent, or at the newest segment's end (a torn record there is still being written).
    if (!span.atEnd || next === undefined || (read > 0 && read >= maxBytes)) return { spans, nextOffset: position, skippedBytes };
    // An older segment holds nothing complete past `position`: the next one starts where its writer rotated.
    skippedBytes += next.start - position;
    position = next.start;
  }
}

/** Where segment i ends for a reader: at the next one's start (see the format), or, for the newest, as listed. */
function regionEnd(segments: readonly Segment[], i: number): number | undefined {
  const end = nextStart(segments, i);
  return end === undefined ? undefined : Math.min(segments[i]!.size, end);
}

/** The next segment's start, as a position in segment i; undefined for the newest. */
function nextStart(segments: readonly SegmentFile[], i: number): number | undefined {
  const next = segments[i + 1];
  return next === undefined ? undefined : next.start - segments[i]!.start;
}

/** A segment listed a moment ago is gone: retention deleted it while it was read. */
class SegmentGone extends Error {}

const ROTATION_RETRIES = 5;

/** Runs a read over a fresh listing, again if a segment it needed was deleted under it. */
async function retryOnRotation<T>(dir: string, read: (segments: Segment[]) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read(await listSegments(dir));
    } catch (err) {
      if (!(err instanceof SegmentGone)) throw err;
      if (attempt === ROTATION_RETRIES)
        throw unavailable(`log ${dir}: segments were deleted while being read, ${attempt} times; the log rotates too fast`);
    }
  }
}

const BACKWARD_CHUNK_BYTES = 64 * 1024;

/** Positions of the newlines in a file before `end`, last first, read in chunks. */
async function* newlinesBackward(path: string, end: number): AsyncGenerator<number> {
  const file = await openLogFile(path);
  if (file === undefined) throw new SegmentGone();
  try {
    const buffer = Buffer.allocUnsafe(BACKWARD_CHUNK_BYTES);
    for (let chunkEnd = end; chunkEnd > 0; ) {
      const chunkStart = Math.max(0, chunkEnd - BACKWARD_CHUNK_BYTES);
      const { bytesRead } = await file.read(buffer, 0, chunkEnd - chunkStart, chunkStart);
      // lastIndexOf takes a negative start as counted from the buffer's end: stop before it would get one.
      for (let before = bytesRead; before > 0; ) {
        const newline = buffer.lastIndexOf(NEWLINE, before - 1);
        if (newline < 0) break;
        yield chunkStart + newline;
        before = newline;
      }
      chunkEnd = chunkStart;
    }
  } finally {
    await file.close();
  }
}
