import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { packedLogRecords, packedLogTimeUnixNano } from "../../../../src/client/packed-log.js";
import { decodeLogCursor } from "../../../../src/domain/logs/log-cursor.js";
import { readLogs, readPackedLogs, type LogQuery, type LogSources, type PackedLogBatch } from "../../../../src/domain/logs/read-logs.js";
import { segmentName } from "../../../../src/runtime/logs/segments.js";
import { LogStream } from "../../../../src/gen/aurae/observe/v1/observe.js";
import { tempDir } from "../../helpers/temp-dir.js";

const T0 = 1_795_559_280_000_000_000n; // 2026-11-24T22:28:00Z in ns

/** A CRI record at 2026-11-24T22:28:00 plus `ns` nanoseconds. */
const at = (ns: number, content: string, stream = "stdout", tag = "F"): string =>
  `2026-11-24T22:28:00.${String(ns).padStart(9, "0")}Z ${stream} ${tag}${content === "" ? "" : ` ${content}`}\n`;

/** One executable, "x", whose log is the given segments, each at its global start. */
async function log(t: TestContext, segments: Record<number, string>): Promise<{ sources: LogSources; dir: string }> {
  const dir = await tempDir(t, "aurae-read-packed-");
  for (const [start, text] of Object.entries(segments)) await writeFile(join(dir, segmentName(Number(start))), text);
  return { dir, sources: { startOffset: 0, list: async () => [{ name: "x", dir }], closed: async () => true } };
}

async function packed(sources: LogSources, query: Partial<LogQuery> = {}): Promise<PackedLogBatch[]> {
  const batches: PackedLogBatch[] = [];
  for await (const batch of readPackedLogs(sources, { follow: false, ...query }, AbortSignal.timeout(5000))) batches.push(batch);
  return batches;
}

interface Seen {
  time: bigint;
  stream: "stdout" | "stderr";
  partial: boolean;
  line: string;
}

/** The records and final cursor both shapes give for one query: they must be the same. */
async function bothShapes(sources: LogSources, query: Partial<LogQuery> = {}): Promise<{ entries: Seen[]; packed: Seen[]; cursors: [string, string] }> {
  const entries: Seen[] = [];
  let entriesCursor = "";
  for await (const batch of readLogs(sources, { follow: false, ...query }, AbortSignal.timeout(5000))) {
    for (const r of batch.records) entries.push({ time: r.timeUnixNano, stream: r.stream, partial: r.partial, line: r.content.toString() });
    entriesCursor = batch.cursor;
  }
  const seen: Seen[] = [];
  const batches = await packed(sources, query);
  for (const batch of batches)
    for (const r of packedLogRecords(batch.records))
      seen.push({
        time: packedLogTimeUnixNano(r.time),
        stream: r.stream === LogStream.LOG_STREAM_STDOUT ? "stdout" : "stderr",
        partial: r.partial,
        line: Buffer.from(r.line).toString(),
      });
  return { entries, packed: seen, cursors: [entriesCursor, batches.at(-1)?.cursor ?? ""] };
}

test("without filters, sends the log's bytes as stored, with the offset and cursor after its last record", async (t) => {
  const text = at(1, "one") + at(2, "", "stderr") + at(3, "part", "stdout", "P") + at(4, "rest");
  const { sources } = await log(t, { 0: text + "2026-11-24T22:28:00.000000005Z stdout F torn" });
  const batches = await packed(sources);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.records.toString(), text);
  assert.equal(batches[0]!.executable, "x");
  assert.equal(batches[0]!.nextOffset, Buffer.byteLength(text));
  assert.deepEqual(decodeLogCursor(batches[0]!.cursor), { x: Buffer.byteLength(text) });
});

test("the same records as entries, across rotated segments and bytes lost to retention", async (t) => {
  const first = at(1, "a") + at(2, "b");
  // Retention deleted what came before 1000; the second segment starts 7 bytes past the first's end (two shims raced
  // a rotation).
  const second = at(3, "c", "stderr") + at(4, "d");
  const third = at(5, "e", "stdout", "P") + at(6, "f");
  const secondStart = 1000 + first.length + 7;
  const { sources, dir } = await log(t, { 1000: first, [secondStart]: second, [secondStart + second.length]: third });
  const both = await bothShapes(sources);
  assert.deepEqual(both.packed, both.entries);
  assert.deepEqual(both.packed.map((r) => r.line), ["a", "b", "c", "d", "e", "f"]);
  assert.equal(both.cursors[1], both.cursors[0]);
  const [batch] = await packed(sources);
  assert.equal(batch!.skippedBytes, 1000 + 7);
  assert.equal(batch!.records.toString(), first + second + third);
  assert.equal(batch!.nextOffset, secondStart + second.length + third.length);
  assert.equal(String(await readFile(join(dir, segmentName(1000)))), first);
});

test("streams, since and until select the same records as entries, copied whole", async (t) => {
  const text = [1, 2, 3, 4, 5, 6].map((ns) => at(ns, `r${ns}`, ns % 2 === 0 ? "stderr" : "stdout", ns === 3 ? "P" : "F")).join("");
  const { sources } = await log(t, { 0: text });
  for (const query of [
    { streams: new Set(["stderr"] as const) },
    { streams: new Set(["stdout"] as const) },
    { sinceUnixNano: T0 + 3n },
    { untilUnixNano: T0 + 5n },
    { sinceUnixNano: T0 + 2n, untilUnixNano: T0 + 6n, streams: new Set(["stdout"] as const) },
  ]) {
    const both = await bothShapes(sources, query);
    assert.deepEqual(both.packed, both.entries, JSON.stringify(query, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v instanceof Set ? [...v] : v)));
  }
  const [stderr] = await packed(sources, { streams: new Set(["stderr"]) });
  assert.equal(stderr!.records.toString(), at(2, "r2", "stderr") + at(4, "r4", "stderr") + at(6, "r6", "stderr"));
  const [beforeFive] = await packed(sources, { untilUnixNano: T0 + 5n });
  // The read ends where the first record at or past until starts: a resume there reads it.
  assert.equal(beforeFive!.nextOffset, text.indexOf(at(5, "r5")));
});

test("a tail starts the packed read at the newest n records", async (t) => {
  const { sources } = await log(t, { 0: [1, 2, 3, 4].map((ns) => at(ns, `r${ns}`)).join("") });
  const both = await bothShapes(sources, { tail: 2 });
  assert.deepEqual(both.packed, both.entries);
  assert.deepEqual(both.packed.map((r) => r.line), ["r3", "r4"]);
});

test("a record longer than a read's chunk (1 MiB) is sent whole, in a response of its own", async (t) => {
  const long = "y".repeat(1_500_000);
  const { sources } = await log(t, { 0: at(1, "short") + at(2, long) + at(3, "after") });
  const batches = await packed(sources);
  const lines = batches.flatMap((b) => [...packedLogRecords(b.records)].map((r) => r.line.length));
  assert.deepEqual(lines, [5, long.length, 5]);
  assert.ok(batches.every((b) => b.records.length === 0 || b.records.at(-1) === 0x0a));
});

test("a cursor from the entries' shape resumes the packed read, and the packed cursor the entries' read", async (t) => {
  const text = [1, 2, 3].map((ns) => at(ns, `r${ns}`)).join("");
  const { sources } = await log(t, { 0: text });
  const afterFirst = (await bothShapes(sources, { tail: 1 })).cursors;
  assert.equal(afterFirst[0], afterFirst[1]);
  const [first] = await packed(sources, { untilUnixNano: T0 + 2n });
  const resumed: string[] = [];
  for await (const batch of readLogs(sources, { follow: false, cursor: first!.cursor }, AbortSignal.timeout(5000)))
    resumed.push(...batch.records.map((r) => r.content.toString()));
  assert.deepEqual(resumed, ["r2", "r3"]);
  const [rest] = await packed(sources, { cursor: afterFirst[0] });
  assert.equal(rest, undefined); // the tail's cursor is after the last record: nothing more
});

test("a malformed record is an error where a filter parses, and is sent as stored (for the client to refuse) where none does", async (t) => {
  const bad = "not a record\n";
  const { sources } = await log(t, { 0: at(1, "ok") + bad });
  await assert.rejects(packed(sources, { streams: new Set(["stdout"]) }), { kind: "internal", message: /malformed log record/ });
  const [batch] = await packed(sources);
  assert.equal(batch!.records.toString(), at(1, "ok") + bad);
});
