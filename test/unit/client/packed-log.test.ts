import assert from "node:assert/strict";
import { test } from "node:test";
import { InternalError } from "../../../src/client/errors.js";
import { packedLogRecords, packedLogTimeUnixNano } from "../../../src/client/packed-log.js";
import { LogStream } from "../../../src/gen/aurae/observe/v1/observe.js";

const T0 = 1_795_559_280_000_000_000n; // 2026-11-24T22:28:00Z in ns

test("reads each record's time, stream, tag and line as views into the chunk, without copying", () => {
  const chunk = Buffer.concat([
    Buffer.from("2026-11-24T22:28:00.000000001Z stdout F one\n"),
    Buffer.from("2026-11-24T22:28:00Z stderr P \xff\x00 two", "latin1"),
    Buffer.from("\n2026-11-24T22:28:00.5Z stdout F\n"),
    Buffer.from("2026-11-24T22:28:00.5Z stdout F  two spaces \n"),
  ]);
  const records = [...packedLogRecords(chunk)];
  assert.deepEqual(
    records.map((r) => [packedLogTimeUnixNano(r.time), r.stream, r.partial, Buffer.from(r.line).toString("latin1")]),
    [
      [T0 + 1n, LogStream.LOG_STREAM_STDOUT, false, "one"],
      [T0, LogStream.LOG_STREAM_STDERR, true, "\xff\x00 two"],
      [T0 + 500_000_000n, LogStream.LOG_STREAM_STDOUT, false, ""],
      [T0 + 500_000_000n, LogStream.LOG_STREAM_STDOUT, false, " two spaces "],
    ],
  );
  for (const r of records) assert.equal(r.line.buffer, chunk.buffer);
});

test("reads a plain Uint8Array (not a Buffer) alike, and an empty chunk as no records", () => {
  const bytes = new Uint8Array(Buffer.from("xx2026-11-24T22:28:00.1Z stdout F a\n").subarray(2));
  assert.deepEqual([...packedLogRecords(bytes)].map((r) => Buffer.from(r.line).toString()), ["a"]);
  assert.deepEqual([...packedLogRecords(new Uint8Array(0))], []);
});

test("a long line is one record", () => {
  const line = "z".repeat(3 << 20);
  const [record] = [...packedLogRecords(Buffer.from(`2026-11-24T22:28:00.1Z stdout F ${line}\n`))];
  assert.equal(record!.line.length, line.length);
});

const MALFORMED: Record<string, [string, RegExp]> = {
  "a chunk that does not end on a record's end": ["2026-11-24T22:28:00.1Z stdout F a\n2026-11-24T22:28:00.1Z stdout F b", /record at byte 34 does not end with a newline/],
  "no time": ["stdout F a\n", /at byte 0 does not start with an RFC 3339 UTC time/],
  "a time without Z": ["2026-11-24T22:28:00.1 stdout F a\n", /RFC 3339/],
  "a fraction of ten digits": ["2026-11-24T22:28:00.1234567890Z stdout F a\n", /RFC 3339/],
  "a dot without digits": ["2026-11-24T22:28:00.Z stdout F a\n", /RFC 3339/],
  "a letter in the date": ["2026-1a-24T22:28:00Z stdout F a\n", /RFC 3339/],
  "an unknown stream": ["2026-11-24T22:28:00Z stdin F a\n", /no stream "stdout" or "stderr"/],
  "a stream that runs on": ["2026-11-24T22:28:00Z stdoutx F a\n", /no stream/],
  "the record ending after its stream": ["2026-11-24T22:28:00Z stdout \n", /no stream/],
  "an unknown tag": ["2026-11-24T22:28:00Z stdout X a\n", /no tag "F" or "P"/],
  "a tag without a space before the line": ["2026-11-24T22:28:00Z stdout Fa\n", /no tag/],
  "an empty record": ["\n", /RFC 3339/],
};

for (const [what, [text, message]] of Object.entries(MALFORMED))
  test(`refuses ${what}, never skips it`, () => {
    assert.throws(() => [...packedLogRecords(Buffer.from(text))], (err: unknown) => err instanceof InternalError && message.test(err.message));
  });

test("refuses a time whose date does not exist when it is converted", () => {
  assert.throws(() => packedLogTimeUnixNano(Buffer.from("2026-02-30T00:00:00Z")), /bad timestamp "2026-02-30T00:00:00Z"/);
  assert.equal(packedLogTimeUnixNano(Buffer.from("1970-01-01T00:00:00.000000001Z")), 1n);
});
