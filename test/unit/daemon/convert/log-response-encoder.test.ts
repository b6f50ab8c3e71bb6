import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeLogsResponse, type LogsResponse } from "../../../../src/daemon/convert/log-response-encoder.js";
import { ObserveServiceExact } from "../../../../src/daemon/convert/logs.js";
import { GetLogsResponse, LogStream, type LogEntry } from "../../../../src/gen/aurae/observe/v1/observe.js";

const entry = (fields: Partial<LogEntry>): LogEntry => ({
  timeUnixNano: 1_795_559_280_123_456_789n,
  stream: LogStream.LOG_STREAM_STDOUT,
  partial: false,
  line: Buffer.from("hello"),
  nextOffset: 104n,
  executableName: "cat-0",
  cursor: "eyJ2IjoxLCJwIjp7ImNhdC0wIjoxMDR9fQ",
  ...fields,
});

const generated = (message: LogsResponse): Buffer =>
  Buffer.from(GetLogsResponse.encode({ records: Buffer.alloc(0), executableName: "", nextOffset: 0n, ...message }).finish());

const CASES: Record<string, LogsResponse> = {
  "no entries, nothing set": { entries: [], cursor: "", skippedBytes: 0n },
  "one ordinary entry": { entries: [entry({})], cursor: "c", skippedBytes: 0n },
  "every field at its default (left out)": {
    entries: [entry({ timeUnixNano: 0n, stream: LogStream.LOG_STREAM_UNSPECIFIED, line: Buffer.alloc(0), nextOffset: 0n, executableName: "", cursor: "" })],
    cursor: "",
    skippedBytes: 0n,
  },
  "partial stderr entries of several executables, non-ASCII names and cursors": {
    entries: [
      entry({ stream: LogStream.LOG_STREAM_STDERR, partial: true, executableName: "a" }),
      entry({ executableName: "größe", cursor: "ü".repeat(70) }),
      entry({ executableName: "a", line: Buffer.from([0xff, 0x00, 0x0a]) }),
    ],
    cursor: "end",
    skippedBytes: 12_345n,
  },
  "int64 extremes and times before the epoch": {
    entries: [
      entry({ timeUnixNano: -1n, nextOffset: 2n ** 63n - 1n }),
      entry({ timeUnixNano: -(2n ** 63n), nextOffset: 2n ** 53n + 1n }),
      entry({ timeUnixNano: 127n, nextOffset: 128n }),
    ],
    cursor: "",
    skippedBytes: 2n ** 32n,
  },
  "a line of 16 KiB and one longer than a 2-byte length": {
    entries: [entry({ line: Buffer.alloc(16_384, 0x78) }), entry({ line: Buffer.alloc(70_000, 0x79) })],
    cursor: "x".repeat(200),
    skippedBytes: 0n,
  },
  "packed records with their executable and next offset": {
    entries: [],
    cursor: "c",
    skippedBytes: 7n,
    records: Buffer.from("2026-12-08T00:30:00.1Z stdout F a\n2026-12-08T00:30:00.1Z stderr P\n"),
    executableName: "größe",
    nextOffset: 2n ** 53n + 1n,
  },
  "packed records of 70,000 bytes (a 3-byte length)": {
    entries: [],
    cursor: "",
    skippedBytes: 0n,
    records: Buffer.alloc(70_000, 0x0a),
    executableName: "cat",
    nextOffset: 70_000n,
  },
  "an unknown stream value, negative (ten bytes, as protobuf sign-extends int32)": {
    entries: [entry({ stream: -1 as LogStream })],
    cursor: "",
    skippedBytes: 0n,
  },
};

for (const [what, message] of Object.entries(CASES)) {
  test(`encodes a response byte for byte as the generated encoder does: ${what}`, () => {
    assert.deepEqual(encodeLogsResponse(message), generated(message));
  });
}

test("encodes a thousand entries byte for byte as the generated encoder does", () => {
  const entries = Array.from({ length: 1000 }, (_, i) =>
    entry({ timeUnixNano: 1_795_559_280_000_000_000n + BigInt(i * 997), nextOffset: BigInt(104 * (i + 1)), cursor: `cursor-${i}`, partial: i % 7 === 0 }),
  );
  const message = { entries, cursor: "last", skippedBytes: 0n };
  assert.deepEqual(encodeLogsResponse(message), generated(message));
});

test("refuses an int64 out of range, as the generated encoder does", () => {
  const message = { entries: [entry({ nextOffset: 2n ** 63n })], cursor: "", skippedBytes: 0n };
  assert.throws(() => generated(message), /nextOffset of type int64 too large/);
  assert.throws(() => encodeLogsResponse(message), /nextOffset of type int64 too large/);
  const packed = { entries: [], cursor: "", skippedBytes: 0n, nextOffset: -(2n ** 63n) - 1n };
  assert.throws(() => generated(packed), /nextOffset of type int64 too large/);
  assert.throws(() => encodeLogsResponse(packed), /nextOffset of type int64 too large/);
});

test("is the serializer auraed uses for both log streams", () => {
  assert.equal(ObserveServiceExact.getLogs.responseSerialize, encodeLogsResponse);
  assert.equal(ObserveServiceExact.getDaemonLogs.responseSerialize, encodeLogsResponse);
});
