// GetLogs with packed: the same records as entries, the same cursors and offsets, a follow that ends with the
// complete sequence, and a cell's merged log refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LogStream, packedLogRecords, packedLogTimeUnixNano, type observeV1 } from "../../../src/client/index.js";
import type { DeepPartial } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { waitForExit } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

async function allocate(t: { after: (fn: () => Promise<unknown>) => void }): Promise<string> {
  const name = uniqueName("packed");
  await aurae.client.cells.allocate({ spec: { name } });
  t.after(() => aurae.client.cells.free({ name }));
  return name;
}

interface Seen {
  time: bigint;
  stream: LogStream;
  partial: boolean;
  line: string;
}

type Request = DeepPartial<observeV1.GetLogsRequest>;

/** The records a read gives as entries, its last cursor and the last entry's next offset. */
async function asEntries(request: Request): Promise<{ records: Seen[]; cursors: string[]; nextOffset: bigint }> {
  const records: Seen[] = [];
  const cursors: string[] = [];
  let nextOffset = 0n;
  for await (const { entries, cursor } of aurae.client.observe.getLogs(request)) {
    for (const e of entries) {
      records.push({ time: e.timeUnixNano, stream: e.stream, partial: e.partial, line: e.line.toString("latin1") });
      cursors.push(e.cursor);
      nextOffset = e.nextOffset;
    }
    assert.equal(cursor, cursors.at(-1));
  }
  return { records, cursors, nextOffset };
}

/** The records a packed read gives, its last cursor and next offset. */
async function asPacked(request: Request): Promise<{ records: Seen[]; cursor: string; nextOffset: bigint }> {
  const records: Seen[] = [];
  let cursor = "";
  let nextOffset = 0n;
  for await (const response of aurae.client.observe.getLogs({ ...request, packed: true })) {
    assert.deepEqual(response.entries, []);
    assert.equal(response.executableName, request.executableName);
    for (const r of packedLogRecords(response.records))
      records.push({ time: packedLogTimeUnixNano(r.time), stream: r.stream, partial: r.partial, line: Buffer.from(r.line).toString("latin1") });
    ({ cursor, nextOffset } = response);
  }
  return { records, cursor, nextOffset };
}

test("packed and entries give the same records, cursors and offsets, for every filter", async (t) => {
  const cell = await allocate(t);
  const script = "seq 1 60000; printf 'err\\377 one\\n' >&2; head -c 70000 /dev/zero | tr '\\0' y; echo; seq 5 7 >&2; printf tail";
  await aurae.client.executables.start({ spec: { cellName: cell, name: "w", argv: ["sh", "-c", script] } });
  await waitForExit(aurae.client, cell, "w");
  const base = { cellName: cell, executableName: "w" };
  const all = await asEntries(base);
  // The 70,000-byte line comes as P records and a last F (the shim splits long lines).
  assert.ok(all.records.length > 60_000 + 1 + 1 + 3 + 1);
  assert.ok(all.records.some((r) => r.partial));
  const middle = all.records[30_000]!.time;
  for (const query of [{}, { streams: [LogStream.LOG_STREAM_STDERR] }, { tail: 4 }, { since: new Date(Number(middle / 1_000_000n)) }, { until: new Date(Number(middle / 1_000_000n) + 1) }]) {
    const entries = await asEntries({ ...base, ...query });
    const packed = await asPacked({ ...base, ...query });
    assert.deepEqual(packed.records, entries.records, JSON.stringify(query));
    if (Object.keys(query).length === 0 || "tail" in query) {
      // Unfiltered to the end, both stop after the last record.
      assert.equal(packed.cursor, entries.cursors.at(-1));
      assert.equal(packed.nextOffset, entries.nextOffset);
    }
  }
  assert.deepEqual(all.records.at(-1), { ...all.records.at(-1)!, line: "tail", partial: false });

  // An entry's cursor and next offset resume a packed read right after it, and a packed cursor an entries read.
  const k = 12_345;
  const rest = all.records.slice(k + 1);
  assert.deepEqual((await asPacked({ ...base, cursor: all.cursors[k]! })).records, rest);
  assert.deepEqual((await asPacked({ ...base, offset: await offsetAfter(base, k) })).records, rest);
  const firstPacked = aurae.client.observe.getLogs({ ...base, packed: true })[Symbol.asyncIterator]();
  const first = (await firstPacked.next()).value as observeV1.GetLogsResponse;
  await firstPacked.return?.(undefined);
  const seenFirst = [...packedLogRecords(first.records)].length;
  assert.ok(seenFirst > 0 && seenFirst < all.records.length, `the first packed response holds part of the log, not ${seenFirst} records`);
  assert.deepEqual((await asEntries({ ...base, cursor: first.cursor })).records, all.records.slice(seenFirst));
  assert.deepEqual((await asEntries({ ...base, offset: first.nextOffset })).records, all.records.slice(seenFirst));
});

/** The next_offset of entry k of an executable's log. */
async function offsetAfter(request: Request, k: number): Promise<bigint> {
  let i = 0;
  for await (const { entries } of aurae.client.observe.getLogs(request))
    for (const e of entries) if (i++ === k) return e.nextOffset;
  throw new Error(`no entry ${k}`);
}

test("a packed follower started before the output receives every line in order, then the stream ends", async (t) => {
  const cell = await allocate(t);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "seq", argv: ["sh", "-c", "sleep 0.3; seq 1 200000"] } });
  const lines: string[] = [];
  for await (const { records } of aurae.client.observe.getLogs({ cellName: cell, executableName: "seq", follow: true, packed: true }))
    for (const r of packedLogRecords(records)) {
      assert.equal(r.stream, LogStream.LOG_STREAM_STDOUT);
      assert.equal(r.partial, false);
      lines.push(Buffer.from(r.line).toString());
    }
  assert.equal(lines.length, 200_000);
  assert.ok(lines.every((line, i) => line === String(i + 1)));
});

test("packed without an executable is INVALID_ARGUMENT naming packed", async (t) => {
  const cell = await allocate(t);
  await assert.rejects(
    (async () => {
      for await (const _ of aurae.client.observe.getLogs({ cellName: cell, packed: true }));
    })(),
    (e: Error & { code: string; field?: string }) => e.code === "invalid" && e.field === "packed",
  );
});
