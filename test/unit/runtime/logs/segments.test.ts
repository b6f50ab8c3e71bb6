import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test, type TestContext } from "node:test";
import type { LogRecord } from "../../../../src/runtime/logs/cri-log.js";
import { isRecordStart, listSegments, logEnd, readLogFrom, recordsBackward } from "../../../../src/runtime/logs/segments.js";
import { tempDir } from "../../helpers/temp-dir.js";
import { buildShim, runToExit } from "../../native/shim-harness.js";

const T1 = "2026-11-24T22:28:00.123456789Z";

/** One CRI record: `<time> stdout F <content>\n`. */
const record = (content: string, stream = "stdout"): Buffer => Buffer.from(`${T1} ${stream} F ${content}\n`);
const name = (start: number): string => `${String(start).padStart(20, "0")}.log`;
const contents = (records: readonly LogRecord[]): string[] => records.map((r) => r.content.toString("utf8"));

/** A log dir holding one segment per list of records, each named by its global start, the first at `firstStart`. */
async function logDir(t: TestContext, segments: readonly (readonly string[])[], firstStart = 0): Promise<string> {
  const dir = await tempDir(t, "aurae-segments-");
  let start = firstStart;
  for (const words of segments) {
    const bytes = Buffer.concat(words.map((w) => record(w)));
    await writeFile(join(dir, name(start)), bytes);
    start += bytes.length;
  }
  return dir;
}

/** Global offset just past each record of `words` in a dir from logDir(). */
const ends = (words: readonly string[], firstStart = 0): number[] =>
  words.map((_, i) => firstStart + words.slice(0, i + 1).reduce((sum, w) => sum + record(w).length, 0));

/** Every record recordsBackward yields, newest first, with where it starts, and how many chunks it took. */
async function backward(dir: string, chunkBytes?: number): Promise<{ records: { content: string; offset: number }[]; chunks: number }> {
  const records: { content: string; offset: number }[] = [];
  let chunks = 0;
  for await (const chunk of recordsBackward(dir, chunkBytes)) {
    chunks++;
    records.push(...chunk.map((r) => ({ content: r.content.toString("utf8"), offset: r.offset })));
  }
  return { records, chunks };
}

const THREE_SEGMENTS = [["one", "two"], ["three"], ["four", "five", "six"]];
const ALL = THREE_SEGMENTS.flat();

test("lists segments by global start, leaving out other files; a missing dir is an empty log", async (t) => {
  const dir = await logDir(t, THREE_SEGMENTS);
  await writeFile(join(dir, "notes.txt"), "x");
  await writeFile(join(dir, "123.log"), "x");
  const [a, b, c] = ends(ALL).filter((_, i) => i === 1 || i === 2 || i === 5);
  assert.deepEqual(await listSegments(dir), [
    { start: 0, path: join(dir, name(0)), size: a },
    { start: a!, path: join(dir, name(a!)), size: b! - a! },
    { start: b!, path: join(dir, name(b!)), size: c! - b! },
  ]);
  const missing = join(dir, "never-made");
  assert.deepEqual(await listSegments(missing), []);
  assert.deepEqual(await readLogFrom(missing, 42), { records: [], nextOffset: 42, skippedBytes: 0 });
  assert.equal(await logEnd(missing), 0);
  assert.deepEqual((await backward(missing)).records, []);
});

test("reads across segment boundaries in order, each nextOffset global", async (t) => {
  const dir = await logDir(t, THREE_SEGMENTS);
  const read = await readLogFrom(dir, 0);
  assert.deepEqual(contents(read.records), ALL);
  assert.deepEqual(
    read.records.map((r) => r.nextOffset),
    ends(ALL),
  );
  assert.deepEqual({ nextOffset: read.nextOffset, skippedBytes: read.skippedBytes }, { nextOffset: ends(ALL).at(-1), skippedBytes: 0 });
});

test("resuming from any record's nextOffset returns exactly the records after it", async (t) => {
  const dir = await logDir(t, THREE_SEGMENTS);
  const all = (await readLogFrom(dir, 0)).records;
  for (const [i, r] of all.entries()) {
    const rest = await readLogFrom(dir, r.nextOffset);
    assert.deepEqual(rest, { records: all.slice(i + 1), nextOffset: all.at(-1)!.nextOffset, skippedBytes: 0 }, `after ${i}`);
  }
});

test("pages of at most maxBytes cross segments and together return every record once", async (t) => {
  const dir = await logDir(t, THREE_SEGMENTS);
  const pages: string[][] = [];
  for (let offset = 0; ; ) {
    const page = await readLogFrom(dir, offset, record("three").length + 1);
    if (page.records.length === 0) break;
    pages.push(contents(page.records));
    offset = page.nextOffset;
  }
  assert.deepEqual(pages, [["one"], ["two"], ["three"], ["four"], ["five"], ["six"]]);
  const twoPerPage = await readLogFrom(dir, ends(ALL)[0]!, record("two").length + record("three").length);
  assert.deepEqual(contents(twoPerPage.records), ["two", "three"]);
  const oversized = await readLogFrom(dir, 0, 1); // one record, however small maxBytes is
  assert.deepEqual(contents(oversized.records), ["one"]);
});

test("an offset older than the oldest segment kept starts there and says how many bytes retention took", async (t) => {
  const dir = await logDir(t, [["seven", "eight"], ["nine"]], 5000);
  const read = await readLogFrom(dir, 120);
  assert.deepEqual(contents(read.records), ["seven", "eight", "nine"]);
  assert.equal(read.skippedBytes, 5000 - 120);
  assert.equal(read.records[0]!.nextOffset, 5000 + record("seven").length);
  assert.equal((await readLogFrom(dir, 5000)).skippedBytes, 0);
});

test("a record starts at a segment's start, just past a newline, or before the oldest segment; not inside one or past the end", async (t) => {
  const dir = await logDir(t, THREE_SEGMENTS, 100);
  const starts = [100, ...ends(ALL, 100)];
  for (const offset of [0, 99, ...starts]) assert.equal(await isRecordStart(dir, offset), true, `offset ${offset}`);
  for (const offset of [101, starts[1]! - 1, starts[1]! + 1, starts.at(-1)! + 1]) assert.equal(await isRecordStart(dir, offset), false, `offset ${offset}`);
  const empty = await tempDir(t, "aurae-segments-");
  assert.equal(await isRecordStart(empty, 0), true);
  assert.equal(await isRecordStart(empty, 5), false);
});

test("recordsBackward yields every record newest first with its global start, across segments, in chunks", async (t) => {
  const dir = await logDir(t, THREE_SEGMENTS, 500);
  const starts = [500, ...ends(ALL, 500).slice(0, -1)];
  const expected = ALL.map((content, i) => ({ content, offset: starts[i]! })).reverse();
  const whole = await backward(dir);
  assert.deepEqual(whole.records, expected);
  assert.equal(whole.chunks, 3, "one chunk per segment when they are small");
  const small = await backward(dir, 1);
  assert.deepEqual(small.records, expected);
  assert.equal(small.chunks, ALL.length, "a record per chunk when the chunk is smaller than a record");
  assert.deepEqual((await backward(await tempDir(t, "aurae-segments-"))).records, []);
});

test("recordsBackward reads only as far back as its reader goes: older records may even be malformed", async (t) => {
  const dir = await tempDir(t, "aurae-segments-");
  const newer = Array.from({ length: 1000 }, (_, i) => record(`line ${i}`));
  await writeFile(join(dir, name(0)), Buffer.concat([Buffer.from("not a record\n"), ...newer]));
  const taken: string[] = [];
  for await (const chunk of recordsBackward(dir, 4096)) {
    taken.push(...contents(chunk));
    if (taken.length >= 10) break;
  }
  assert.deepEqual(taken.slice(0, 10), Array.from({ length: 10 }, (_, i) => `line ${999 - i}`));
  await assert.rejects(backward(dir, 4096), { kind: "internal" }, "read to the start, the bad record is found");
});

test("recordsBackward takes records larger than its chunk whole and stops at the oldest segment kept", async (t) => {
  const big = "x".repeat(200_000);
  const dir = await logDir(t, [["old"], [big, "a"], ["b", big]], 777);
  const { records } = await backward(dir);
  assert.deepEqual(records.map((r) => r.content), [big, "b", "a", big, "old"]);
  assert.equal(records.at(-1)!.offset, 777);
  assert.equal(records[1]!.offset, ends(["old", big, "a"], 777).at(-1));
});

test("logEnd and recordsBackward ignore a torn last record; reading leaves it until its newline comes", async (t) => {
  const dir = await logDir(t, [["one"], ["two"]]);
  const [, end] = ends(["one", "two"]);
  await writeFile(join(dir, name(ends(["one"])[0]!)), Buffer.concat([record("two"), record("torn").subarray(0, 20)]));
  assert.equal(await logEnd(dir), end);
  assert.deepEqual((await backward(dir)).records, [{ content: "two", offset: ends(["one"])[0] }, { content: "one", offset: 0 }]);
  assert.deepEqual(await readLogFrom(dir, end!), { records: [], nextOffset: end, skippedBytes: 0 });
});

test("logEnd is the newest segment's start while it is empty or holds only a torn record", async (t) => {
  const dir = await logDir(t, [["one"], []]);
  const [start] = ends(["one"]);
  assert.equal(await logEnd(dir), start);
  await writeFile(join(dir, name(start!)), record("half").subarray(0, 10));
  assert.equal(await logEnd(dir), start);
  assert.deepEqual((await backward(dir)).records, [{ content: "one", offset: 0 }]);
});

test("an older segment grown past the next one's start (two shims raced a rotation) is read only up to it", async (t) => {
  const dir = await logDir(t, [["one", "two"], ["three"]]);
  const [, second] = ends(["one", "two"]);
  await writeFile(join(dir, name(0)), Buffer.concat([record("one"), record("two"), record("late")]));
  const read = await readLogFrom(dir, 0);
  assert.deepEqual(contents(read.records), ["one", "two", "three"]);
  assert.equal(read.records[1]!.nextOffset, second);
  assert.deepEqual((await backward(dir)).records.map((r) => r.content), ["three", "two", "one"]);
});

test("jumps over a record cut at an older segment's end, counting its bytes as skipped", async (t) => {
  const dir = await tempDir(t, "aurae-segments-");
  const [next] = ends(["one"]);
  const cut = Buffer.concat([record("one"), record("cut")]).subarray(0, next! + 7);
  await writeFile(join(dir, name(0)), cut);
  await writeFile(join(dir, name(next! + 7)), record("two"));
  const read = await readLogFrom(dir, next!);
  assert.deepEqual(contents(read.records), ["two"]);
  assert.equal(read.skippedBytes, 7);
});

test("a segment listed but gone is left out, and a bad offset is refused", async (t) => {
  const dir = await logDir(t, [["one"]]);
  await symlink(join(dir, "nowhere"), join(dir, name(9_999)));
  assert.deepEqual(
    (await listSegments(dir)).map((s) => s.start),
    [0],
  );
  assert.deepEqual(contents((await readLogFrom(dir, 0)).records), ["one"], "a read goes on as if it were not there");
  await assert.rejects(readLogFrom(dir, -1), { kind: "invalid", field: "offset" });
  await assert.rejects(readLogFrom(dir, 1.5), { kind: "invalid", field: "offset" });
  await assert.rejects(readLogFrom(dir, 0, 0), { kind: "invalid", field: "maxBytes" });
});

test("a malformed record is an internal error naming the segment and the position in it", async (t) => {
  const dir = await logDir(t, [["one"]]);
  const start = ends(["one"])[0]!;
  await writeFile(join(dir, name(start)), "garbage\n");
  await assert.rejects(readLogFrom(dir, 0), {
    kind: "internal",
    message: `${join(dir, name(start))}: malformed log record before offset 8`,
  });
});

before(buildShim);

test("reads what the real shim rotated: the kept tail, resumable, with recordsBackward and logEnd agreeing", { timeout: 30_000 }, async (t) => {
  const dir = join(await tempDir(t, "aurae-segments-shim-"), "log");
  await mkdir(dir);
  await runToExit(t, { argv: ["seq", "1", "20000"], logDir: dir, flags: ["--log-max-bytes", "4096", "--log-max-files", "3"] });
  const segments = await listSegments(dir);
  assert.equal(segments.length, 3);
  const first = await readLogFrom(dir, 0, 2048);
  assert.equal(first.skippedBytes, segments[0]!.start);
  const lines: string[] = [];
  for (let read = first; read.records.length > 0; read = await readLogFrom(dir, read.nextOffset, 2048))
    lines.push(...contents(read.records));
  const firstLine = Number(lines[0]);
  assert.deepEqual(lines, Array.from({ length: 20000 - firstLine + 1 }, (_, i) => String(firstLine + i)));
  const last = segments.at(-1)!;
  assert.equal(await logEnd(dir), last.start + last.size);
  assert.deepEqual((await backward(dir, 2048)).records.map((r) => r.content).reverse(), lines);
});
