import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { encodeLogCursor } from "../../../../src/domain/logs/log-cursor.js";
import { readLogs, type LogBatch, type LogQuery, type LogSources } from "../../../../src/domain/logs/read-logs.js";
import { tempDir } from "../../helpers/temp-dir.js";

const RECORDS = ["2026-11-24T22:28:00.000000001Z stdout F one\n", "2026-11-24T22:28:00.000000002Z stderr F two\n"];
const SECOND = Buffer.byteLength(RECORDS[0]!);

/** One executable, "x", whose log holds RECORDS. */
async function oneLog(t: TestContext, startOffset = 0): Promise<LogSources> {
  const dir = await tempDir(t, "aurae-read-logs-");
  await writeFile(join(dir, `${"0".repeat(20)}.log`), RECORDS.join(""));
  return { startOffset, list: async () => [{ name: "x", dir }], closed: async () => true };
}

async function read(sources: LogSources, query: Partial<LogQuery> = {}): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of readLogs(sources, { follow: false, ...query }, AbortSignal.timeout(5000)))
    lines.push(...batch.records.map((r) => r.content.toString()));
  return lines;
}

test("starts at an offset where a record starts", async (t) => {
  assert.deepEqual(await read(await oneLog(t, SECOND)), ["two"]);
});

test("refuses an offset inside a record as INVALID_ARGUMENT naming offset, not as a parse failure", async (t) => {
  await assert.rejects(read(await oneLog(t, SECOND - 3)), {
    kind: "invalid",
    field: "offset",
    message: `offset: ${SECOND - 3} is not where a record starts: pass a next_offset this API returned`,
  });
});

test("refuses an offset past the end of the log", async (t) => {
  await assert.rejects(read(await oneLog(t, 10_000)), { kind: "invalid", field: "offset" });
});

test("refuses a cursor whose position is inside a record, as not a cursor this API returned", async (t) => {
  const sources = await oneLog(t);
  assert.deepEqual(await read(sources, { cursor: encodeLogCursor({ x: SECOND }) }), ["two"]);
  await assert.rejects(read(sources, { cursor: encodeLogCursor({ x: 7 }) }), {
    kind: "invalid",
    field: "cursor",
    message: "cursor: is not a cursor this API returned",
  });
});

/** A CRI record at 2026-11-24T22:28:00 plus `ns` nanoseconds. */
const at = (ns: number, content: string, stream = "stdout"): string =>
  `2026-11-24T22:28:00.${String(ns).padStart(9, "0")}Z ${stream} F ${content}\n`;
const T0 = 1_795_559_280_000_000_000n; // 2026-11-24T22:28:00Z in ns

/** Logs named by their keys, each one segment of `text`. */
async function logs(t: TestContext, texts: Record<string, string>): Promise<LogSources> {
  const root = await tempDir(t, "aurae-read-logs-");
  const dirs = await Promise.all(
    Object.entries(texts).map(async ([name, text]) => {
      await mkdir(join(root, name));
      await writeFile(join(root, name, `${"0".repeat(20)}.log`), text);
      return { name, dir: join(root, name) };
    }),
  );
  return { startOffset: 0, list: async () => dirs, closed: async () => true };
}

test("since and until compare at the nanosecond: since t+1ns leaves out the record at t, until t+1ns keeps it", async (t) => {
  const sources = await logs(t, { x: at(5, "before") + at(6, "at t") + at(7, "after") });
  const t6 = T0 + 6n;
  assert.deepEqual(await read(sources, { sinceUnixNano: t6 + 1n }), ["after"]);
  assert.deepEqual(await read(sources, { sinceUnixNano: t6 }), ["at t", "after"]);
  assert.deepEqual(await read(sources, { untilUnixNano: t6 + 1n }), ["before", "at t"]);
  assert.deepEqual(await read(sources, { untilUnixNano: t6 }), ["before"]);
});

test("a tail over many logs is the newest n of them all, merged in time order", async (t) => {
  const a = [1, 4, 5, 9].map((ns) => at(ns, `a${ns}`)).join("");
  const b = [2, 3, 6, 7, 8].map((ns) => at(ns, `b${ns}`)).join("");
  const sources = await logs(t, { a, b, empty: "" });
  assert.deepEqual(await read(sources, { tail: 4 }), ["b6", "b7", "b8", "a9"]);
  assert.deepEqual(await read(sources, { tail: 100 }), ["a1", "b2", "b3", "a4", "a5", "b6", "b7", "b8", "a9"]);
  assert.deepEqual(await read(sources, { tail: 0 }), []);
  assert.deepEqual(await read(sources, { tail: 2, untilUnixNano: T0 + 8n }), ["b6", "b7"]);
});

test("merges logs larger than a read's chunks in time order, each record once, with cursors that resume after it", async (t) => {
  // 30,000 records of ~50 bytes per log, past the 1 MiB a read takes of a log at a time: merging spans refills.
  const count = 30_000;
  const text = (name: string, first: number): string => Array.from({ length: count }, (_, i) => at(first + 2 * i, `${name}${i}`)).join("");
  const sources = await logs(t, { a: text("a", 1), b: text("b", 2) });
  const batches: LogBatch[] = [];
  for await (const batch of readLogs(sources, { follow: false }, AbortSignal.timeout(20_000))) batches.push(batch);
  const records = batches.flatMap((b) => b.records);
  assert.deepEqual(
    records.map((r) => r.content.toString()),
    Array.from({ length: 2 * count }, (_, i) => `${i % 2 ? "b" : "a"}${Math.floor(i / 2)}`),
  );
  // Resuming from any record's cursor reads exactly the records after it.
  for (const i of [0, 999, count, 2 * count - 2]) {
    const rest = await read(sources, { cursor: records[i]!.cursor });
    assert.equal(rest.length, 2 * count - 1 - i);
    assert.equal(rest[0], records[i + 1]!.content.toString());
  }
  assert.deepEqual(await read(sources, { cursor: batches.at(-1)!.cursor }), []);
});

test("a filtered tail reads no log further back than its newest n reach, however much older text there is", async (t) => {
  // The other log is long, older than every record the tail keeps, holds none that pass the filter, and starts with
  // a record that does not parse: reading it to its start would fail the call.
  const recent = Array.from({ length: 20 }, (_, i) => at(900_000 + i, `r${i}`, i % 2 ? "stderr" : "stdout")).join("");
  const old = "not a record\n" + Array.from({ length: 5000 }, (_, i) => at(i, `old ${i}`)).join("");
  const sources = await logs(t, { old, recent });
  assert.deepEqual(await read(sources, { tail: 3, streams: new Set(["stderr"]) }), ["r15", "r17", "r19"]);
  await assert.rejects(read(sources, { tail: 6000 }), { kind: "internal" }, "the old log's start is read when the tail reaches it");
});

test("a cell-wide follow that starts with no logs reads the first one added, woken without polling", async (t) => {
  const root = await tempDir(t, "aurae-read-logs-");
  const added: { name: string; dir: string }[] = [];
  let notify: (() => void) | undefined;
  const sources: LogSources = {
    startOffset: 0,
    list: async () => [...added],
    closed: async () => false,
    onChange: (listener) => ((notify = listener), () => (notify = undefined)),
  };
  const ac = new AbortController();
  t.after(() => ac.abort());
  const reader = readLogs(sources, { follow: true }, AbortSignal.any([ac.signal, AbortSignal.timeout(5000)]));
  const first = reader.next();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const dir = join(root, "later");
  await mkdir(dir);
  await writeFile(join(dir, `${"0".repeat(20)}.log`), at(1, "hello"));
  added.push({ name: "later", dir });
  notify!();
  const { value } = await first;
  assert.deepEqual((value as LogBatch).records.map((r) => r.content.toString()), ["hello"]);
  await reader.return(undefined);
  assert.equal(notify, undefined, "the follow unsubscribed when it ended");
});

test("a filter that leaves nothing of a whole chunk (1 MiB) reads on to the records that pass", async (t) => {
  const stdout = Array.from({ length: 30_000 }, (_, i) => at(1, `out ${i}`)).join("");
  assert.ok(stdout.length > 1 << 20);
  const sources = await logs(t, { x: stdout + at(2, "err", "stderr") + at(3, "last") });
  assert.deepEqual(await read(sources, { streams: new Set(["stderr"]) }), ["err"]);
  assert.deepEqual(await read(sources, { sinceUnixNano: T0 + 2n }), ["err", "last"]);
});
