import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test, type TestContext } from "node:test";
import type { LogRecord } from "../../../../src/runtime/logs/cri-log.js";
import { isRecordStart, listSegments, logEnd, readLogFrom, tailOffset } from "../../../../src/runtime/logs/segments.js";
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
  assert.equal(await tailOffset(missing, 5), 0);
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

test("tailOffset(n) finds where the last n records start, across segments", async (t) => {
  const dir = await logDir(t, THREE_SEGMENTS);
  const starts = [0, ...ends(ALL).slice(0, -1)];
  for (const n of [1, 2, 3, 4, 5]) {
    const offset = await tailOffset(dir, n);
    assert.equal(offset, starts[ALL.length - n], `n=${n}`);
    assert.deepEqual(contents((await readLogFrom(dir, offset)).records), ALL.slice(-n));
  }
  assert.equal(await tailOffset(dir, ALL.length), 0);
  assert.equal(await tailOffset(dir, 1000), 0);
  assert.equal(await tailOffset(dir, 0), await logEnd(dir));
  await assert.rejects(tailOffset(dir, -1), { kind: "invalid", field: "n" });
});

test("tailOffset counts records larger than its read chunk and stops at the oldest segment kept", async (t) => {
  const big = "x".repeat(200_000);
  const dir = await logDir(t, [["old"], [big, "a"], ["b", big]], 777);
  assert.equal(await tailOffset(dir, 1), ends(["old", big, "a", "b"], 777).at(-1));
  assert.equal(await tailOffset(dir, 3), ends(["old", big], 777).at(-1));
  assert.equal(await tailOffset(dir, 99), 777);
});

test("logEnd and tailOffset ignore a torn last record; reading leaves it until its newline comes", async (t) => {
  const dir = await logDir(t, [["one"], ["two"]]);
  const [, end] = ends(["one", "two"]);
  await writeFile(join(dir, name(ends(["one"])[0]!)), Buffer.concat([record("two"), record("torn").subarray(0, 20)]));
  assert.equal(await logEnd(dir), end);
  assert.equal(await tailOffset(dir, 1), ends(["one"])[0]);
  assert.deepEqual(await readLogFrom(dir, end!), { records: [], nextOffset: end, skippedBytes: 0 });
});

test("logEnd is the newest segment's start while it is empty or holds only a torn record", async (t) => {
  const dir = await logDir(t, [["one"], []]);
  const [start] = ends(["one"]);
  assert.equal(await logEnd(dir), start);
  await writeFile(join(dir, name(start!)), record("half").subarray(0, 10));
  assert.equal(await logEnd(dir), start);
  assert.equal(await tailOffset(dir, 1), 0);
});

test("an older segment grown past the next one's start (two shims raced a rotation) is read only up to it", async (t) => {
  const dir = await logDir(t, [["one", "two"], ["three"]]);
  const [, second] = ends(["one", "two"]);
  await writeFile(join(dir, name(0)), Buffer.concat([record("one"), record("two"), record("late")]));
  const read = await readLogFrom(dir, 0);
  assert.deepEqual(contents(read.records), ["one", "two", "three"]);
  assert.equal(read.records[1]!.nextOffset, second);
  assert.equal(await tailOffset(dir, 2), ends(["one"])[0]);
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

test("reads what the real shim rotated: the kept tail, resumable, with tailOffset and logEnd agreeing", { timeout: 30_000 }, async (t) => {
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
  const tail = await readLogFrom(dir, await tailOffset(dir, 100));
  assert.deepEqual(contents(tail.records), lines.slice(-100));
});
