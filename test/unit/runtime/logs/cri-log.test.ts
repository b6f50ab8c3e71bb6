import assert from "node:assert/strict";
import { appendFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { parseRfc3339Nano, readLogChunk, type LogRecord } from "../../../../src/runtime/logs/cri-log.js";
import { tempDir } from "../../helpers/temp-dir.js";

const T1 = "2026-11-24T22:28:00.123456789Z";
const T1_NANO = 1_795_559_280_123_456_789n;
const T2 = "2026-11-24T22:28:01.000000001Z";

/** One CRI log line: `<time> <stream> <F|P> <content>\n`. */
const line = (time: string, stream: string, tag: string, content: string | Buffer = ""): Buffer =>
  Buffer.concat([Buffer.from(`${time} ${stream} ${tag} `), Buffer.from(content), Buffer.from("\n")]);

async function logFile(t: TestContext, ...lines: Buffer[]): Promise<string> {
  const path = join(await tempDir(t, "aurae-cri-log-"), "output.log");
  await writeFile(path, Buffer.concat(lines));
  return path;
}

const contents = (records: readonly LogRecord[]): string[] => records.map((r) => r.content.toString("utf8"));

test("reads full and partial records with their time, stream, tag, content and the offset after each", async (t) => {
  const first = line(T1, "stdout", "P", "hello ");
  const second = line(T2, "stdout", "F", "world");
  const third = line(T2, "stderr", "F", "oops");
  const path = await logFile(t, first, second, third);
  const chunk = await readLogChunk(path, 0);
  assert.deepEqual(
    chunk.records.map((r) => ({ time: r.timeUnixNano, stream: r.stream, partial: r.partial, next: r.nextOffset })),
    [
      { time: T1_NANO, stream: "stdout", partial: true, next: first.length },
      { time: T1_NANO + 876_543_212n, stream: "stdout", partial: false, next: first.length + second.length },
      { time: T1_NANO + 876_543_212n, stream: "stderr", partial: false, next: first.length + second.length + third.length },
    ],
  );
  assert.deepEqual(contents(chunk.records), ["hello ", "world", "oops"]);
  assert.equal(chunk.nextOffset, first.length + second.length + third.length);
});

test("returns content byte for byte, spaces, tabs and invalid UTF-8 included", async (t) => {
  const binary = Buffer.from([0xff, 0xfe, 0x00, 0x20, 0xc3, 0x28, 0x09, 0x80]);
  const path = await logFile(t, line(T1, "stdout", "F", "  a  b  "), line(T1, "stderr", "F", binary));
  const { records } = await readLogChunk(path, 0);
  assert.deepEqual(records[0]!.content, Buffer.from("  a  b  "));
  assert.deepEqual(records[1]!.content, binary);
});

test("reads a record with empty content, with or without the space after the tag", async (t) => {
  const path = await logFile(t, line(T1, "stdout", "F"), Buffer.from(`${T1} stdout F\n`));
  const { records } = await readLogChunk(path, 0);
  assert.deepEqual(
    records.map((r) => r.content.length),
    [0, 0],
  );
});

test("leaves a torn last record for the next read, which returns it once its newline is written", async (t) => {
  const whole = line(T1, "stdout", "F", "complete");
  const torn = line(T2, "stdout", "F", "half written");
  const path = await logFile(t, whole, torn.subarray(0, torn.length - 5));
  const chunk = await readLogChunk(path, 0);
  assert.deepEqual(contents(chunk.records), ["complete"]);
  assert.equal(chunk.nextOffset, whole.length);

  await appendFile(path, torn.subarray(torn.length - 5));
  const rest = await readLogChunk(path, chunk.nextOffset);
  assert.deepEqual(contents(rest.records), ["half written"]);
  assert.equal(rest.nextOffset, whole.length + torn.length);
});

test("resumes from a record's nextOffset with exactly the records after it", async (t) => {
  const lines = ["one", "two", "three", "four"].map((word) => line(T1, "stdout", "F", word));
  const path = await logFile(t, ...lines);
  const all = await readLogChunk(path, 0);
  const resumed = await readLogChunk(path, all.records[1]!.nextOffset);
  assert.deepEqual(contents(resumed.records), ["three", "four"]);
  assert.deepEqual(resumed, { records: all.records.slice(2), nextOffset: all.nextOffset });
});

test("answers a read at the end of the file with no records and the same offset", async (t) => {
  const only = line(T1, "stdout", "F", "x");
  const path = await logFile(t, only);
  assert.deepEqual(await readLogChunk(path, only.length), { records: [], nextOffset: only.length });
});

test("returns only the records that fit in maxBytes, and the next read the rest", async (t) => {
  const lines = ["aaaa", "bbbb", "cccc"].map((word) => line(T1, "stdout", "F", word));
  const path = await logFile(t, ...lines);
  const first = await readLogChunk(path, 0, lines[0]!.length * 2 + 3);
  assert.deepEqual(contents(first.records), ["aaaa", "bbbb"]);
  assert.equal(first.nextOffset, lines[0]!.length * 2);
  const second = await readLogChunk(path, first.nextOffset, lines[0]!.length * 2 + 3);
  assert.deepEqual(contents(second.records), ["cccc"]);
});

test("returns a record larger than maxBytes whole, and ends the chunk on a record boundary", async (t) => {
  const big = line(T1, "stdout", "F", "x".repeat(10_000));
  const path = await logFile(t, big, line(T1, "stdout", "F", "after"));
  const chunk = await readLogChunk(path, 0, 64);
  assert.deepEqual(chunk.records[0]!.content, big.subarray(big.indexOf("x"), -1));
  assert.equal(chunk.records[0]!.nextOffset, big.length);
  assert.equal(chunk.nextOffset, chunk.records.at(-1)!.nextOffset);
});

test("returns nothing for a torn record larger than maxBytes, and stays at its start", async (t) => {
  const whole = line(T1, "stdout", "F", "ok");
  const torn = line(T1, "stdout", "F", "y".repeat(5_000)).subarray(0, -1);
  const path = await logFile(t, whole, torn);
  assert.deepEqual(await readLogChunk(path, whole.length, 64), { records: [], nextOffset: whole.length });
});

test("answers a missing file with no records at the offset asked", async (t) => {
  const path = join(await tempDir(t, "aurae-cri-log-"), "never-written.log");
  assert.deepEqual(await readLogChunk(path, 42), { records: [], nextOffset: 42 });
});

for (const [what, bad] of [
  ["a line without fields", Buffer.from("garbage\n")],
  ["an unknown stream", line(T1, "stdin", "F", "x")],
  ["an unknown tag", line(T1, "stdout", "X", "x")],
  ["a missing tag", Buffer.from(`${T1} stdout\n`)],
  ["a stream name that runs on", line(T1, "stdoutx", "F", "x")],
  ["no space after the time", Buffer.from(`${T1}\n`)],
] as const) {
  test(`throws an internal error naming the file and offset for ${what}`, async (t) => {
    const good = line(T1, "stdout", "F", "fine");
    const path = await logFile(t, good, bad);
    await assert.rejects(readLogChunk(path, 0), {
      name: "AuraeError",
      kind: "internal",
      message: `${path}: malformed log record before offset ${good.length + bad.length}`,
    });
  });
}

test("throws an internal error naming the file for a bad timestamp", async (t) => {
  const path = await logFile(t, line("2026-11-24T22:28:00", "stdout", "F", "x"));
  await assert.rejects(readLogChunk(path, 0), { kind: "internal", message: `${path}: bad timestamp "2026-11-24T22:28:00"` });
});

test("reads every record's own time when many share a time or a second, and when the second changes and comes back", async (t) => {
  const times = [
    "2026-11-24T22:28:00.123456789Z",
    "2026-11-24T22:28:00.123456789Z",
    "2026-11-24T22:28:00.123456788Z",
    "2026-11-24T22:28:00.5Z",
    "2026-11-24T22:28:00.5Z",
    "2026-11-24T22:28:00Z",
    "2026-11-24T22:28:01.000000001Z",
    "2026-11-24T22:28:00.000000002Z",
    "2026-11-25T22:28:00.000000002Z",
  ];
  const path = await logFile(t, ...times.map((time) => line(time, "stdout", "F", "x")));
  const { records } = await readLogChunk(path, 0);
  assert.deepEqual(
    records.map((r) => r.timeUnixNano),
    times.map((time) => parseRfc3339Nano(time)),
  );
});

for (const bad of ["2026-11-24T22:28:00.12a456789Z", "2026-11-24T22:28:00.Z", "2026-11-24T22:28:00.1234567890Z", "2026-11-24T22:28:00.1", "2026-11-24T22:28:00.123456789z"]) {
  test(`refuses "${bad}" after a good record of the same second, naming the file`, async (t) => {
    const path = await logFile(t, line(T1, "stdout", "F", "fine"), line(bad, "stdout", "F", "x"));
    await assert.rejects(readLogChunk(path, 0), { kind: "internal", message: `${path}: bad timestamp "${bad}"` });
  });
}

test("refuses a tag that is not followed by a space instead of dropping the byte after it", async (t) => {
  const path = await logFile(t, Buffer.from(`${T1} stdout Fxhello\n`));
  await assert.rejects(readLogChunk(path, 0), { kind: "internal" });
});

test("refuses a date that does not exist instead of rolling it over", () => {
  assert.throws(() => parseRfc3339Nano("2026-02-30T00:00:00Z"), { kind: "internal" });
});

test("parseRfc3339Nano keeps all nine fractional digits, beyond what a double holds", () => {
  assert.equal(parseRfc3339Nano(T1), T1_NANO);
  assert.equal(parseRfc3339Nano("2026-11-24T22:28:00.000000001Z") - parseRfc3339Nano("2026-11-24T22:28:00Z"), 1n);
});

test("parseRfc3339Nano reads fewer digits as a fraction of a second", () => {
  const whole = 1_795_559_280_000_000_000n;
  assert.equal(parseRfc3339Nano("2026-11-24T22:28:00Z"), whole);
  assert.equal(parseRfc3339Nano("2026-11-24T22:28:00.5Z"), whole + 500_000_000n);
  assert.equal(parseRfc3339Nano("2026-11-24T22:28:00.000123Z"), whole + 123_000n);
});

test("parseRfc3339Nano counts a fraction forward from a second before the epoch", () => {
  assert.equal(parseRfc3339Nano("1969-12-31T23:59:59.5Z"), -500_000_000n);
});

for (const bad of [
  "2026-11-24T22:28:00.1234567890Z",
  "2026-11-24T22:28:00",
  "2026-11-24T22:28:00+00:00",
  "2026-11-24 22:28:00Z",
  "2026-11-24T22:28:00.Z",
  "",
]) {
  test(`parseRfc3339Nano refuses "${bad}", naming the file it came from`, () => {
    assert.throws(() => parseRfc3339Nano(bad, "/logs/x.log"), {
      kind: "internal",
      message: `/logs/x.log: bad timestamp "${bad}"`,
    });
  });
}
