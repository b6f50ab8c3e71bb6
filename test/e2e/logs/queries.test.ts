// tail, since, until, stream selection, a cell's executables merged, and what the bytes are.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { LogStream, type AuraeClient } from "../../../src/client/index.js";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { GetLogsRequest, GetLogsResponse } from "../../../src/gen/aurae/observe/v1/observe.js";
import { Timestamp } from "../../../src/gen/google/protobuf/timestamp.js";
import type { DeepPartial } from "../../../src/client/service-client.js";
import { useDaemon } from "../../helpers/daemon.js";
import { waitForExit } from "../../helpers/executables.js";
import type { RpcMethod } from "../../helpers/fuzz/api-schema.js";
import { RawClient } from "../../helpers/fuzz/raw-client.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

async function query(client: AuraeClient, request: DeepPartial<GetLogsRequest>) {
  const entries = [];
  for await (const batch of client.observe.getLogs(request)) entries.push(...batch.entries);
  return entries;
}
const texts = (entries: { line: Buffer }[]) => entries.map((e) => e.line.toString());

async function cellFor(t: { after: (fn: () => Promise<unknown>) => void }): Promise<string> {
  const cell = uniqueName("q");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true }));
  return cell;
}

async function run(cell: string, name: string, script: string): Promise<void> {
  await aurae.client.executables.start({ spec: { cellName: cell, name, argv: ["sh", "-c", script] } });
  await waitForExit(aurae.client, cell, name);
}

test("tail returns exactly the last n records, of the selected stream", async (t) => {
  const cell = await cellFor(t);
  await run(cell, "seq", "seq 1 1000; echo err1 >&2; echo err2 >&2");
  assert.deepEqual(texts(await query(aurae.client, { cellName: cell, executableName: "seq", tail: 100 })), [
    ...Array.from({ length: 98 }, (_, i) => String(903 + i)),
    "err1",
    "err2",
  ]);
  assert.deepEqual(
    texts(await query(aurae.client, { cellName: cell, executableName: "seq", tail: 3, streams: [LogStream.LOG_STREAM_STDOUT] })),
    ["998", "999", "1000"],
  );
  assert.deepEqual(texts(await query(aurae.client, { cellName: cell, executableName: "seq", tail: 0 })), []);
});

test("since and until select by the time each line was read", async (t) => {
  const cell = await cellFor(t);
  await run(cell, "slow", "echo early; sleep 1.5; echo late");
  const entries = await query(aurae.client, { cellName: cell, executableName: "slow" });
  const lateAt = new Date(Number(entries[1]!.timeUnixNano / 1_000_000n));
  assert.deepEqual(texts(await query(aurae.client, { cellName: cell, executableName: "slow", since: new Date(lateAt.getTime() - 500) })), ["late"]);
  assert.deepEqual(texts(await query(aurae.client, { cellName: cell, executableName: "slow", until: new Date(lateAt.getTime() - 500) })), ["early"]);
});

test("a cell's logs merge its executables in time order, each entry naming its executable", async (t) => {
  const cell = await cellFor(t);
  // The two take turns through files (line i is printed only once line i - 1 was), not by sleeping in step.
  const gate = join(aurae.dir, `${cell}.line`);
  const turns = (lines: number[]) =>
    lines.map((i) => `until [ -e ${gate}${i - 1} ]; do sleep 0.02; done; echo ${i % 2 ? "a" : "b"}${i}; touch ${gate}${i}`).join("; ");
  await aurae.client.executables.start({ spec: { cellName: cell, name: "a", argv: ["sh", "-c", `touch ${gate}0; ${turns([1, 3, 5])}`] } });
  await aurae.client.executables.start({ spec: { cellName: cell, name: "b", argv: ["sh", "-c", turns([2, 4, 6])] } });
  await waitForExit(aurae.client, cell, "a");
  await waitForExit(aurae.client, cell, "b");
  const entries = await query(aurae.client, { cellName: cell });
  assert.deepEqual(texts(entries), ["a1", "b2", "a3", "b4", "a5", "b6"]);
  assert.deepEqual(entries.map((e) => e.executableName), ["a", "b", "a", "b", "a", "b"]);
  assert.deepEqual(texts(await query(aurae.client, { cellName: cell, tail: 2 })), ["a5", "b6"]);
});

test("a 1 MiB line and bytes that are not UTF-8 round-trip exactly", async (t) => {
  const cell = await cellFor(t);
  await run(cell, "big", "head -c 1048576 /dev/zero | tr '\\0' x; echo; printf '\\377\\376 raw \\200\\n'");
  const entries = await query(aurae.client, { cellName: cell, executableName: "big" });
  const first = Buffer.concat(entries.slice(0, -1).map((e) => e.line));
  assert.equal(first.length, 1 << 20);
  assert.ok(first.every((b) => b === 0x78));
  assert.ok(entries.slice(0, -2).every((e) => e.partial), "the long line arrives as partial records");
  assert.equal(entries.at(-2)!.partial, false);
  assert.deepEqual(entries.at(-1)!.line, Buffer.from([0xff, 0xfe, 0x20, 0x72, 0x61, 0x77, 0x20, 0x80]));
});

test("bad queries are INVALID_ARGUMENT naming the field", async (t) => {
  const cell = await cellFor(t);
  await run(cell, "x", "true");
  await assert.rejects(query(aurae.client, { cellName: cell, executableName: "x", cursor: "nope" }), (e: Error & { code: string }) => e.code === "invalid" && /cursor/.test(e.message));
  await assert.rejects(query(aurae.client, { cellName: cell, offset: 5n }), (e: Error & { code: string }) => e.code === "invalid" && /offset/.test(e.message));
  await assert.rejects(
    query(aurae.client, { cellName: cell, since: new Date(2000), until: new Date(1000) }),
    (e: Error & { code: string }) => e.code === "invalid" && /until/.test(e.message),
  );
});

/** GetLogs as another gRPC client sends it: since and until Timestamps to the nanosecond (a Date holds milliseconds). */
async function queryExact(request: DeepPartial<GetLogsRequest>, times: { since?: bigint; until?: bigint }): Promise<string[]> {
  const writer = new BinaryWriter();
  for (const [field, ns] of [[7, times.since], [8, times.until]] as const) {
    if (ns === undefined) continue;
    writer.uint32((field << 3) | 2).fork();
    Timestamp.encode({ seconds: ns / 1_000_000_000n, nanos: Number(ns % 1_000_000_000n) }, writer);
    writer.join();
  }
  const bytes = Buffer.concat([GetLogsRequest.encode(GetLogsRequest.fromPartial(request)).finish(), writer.finish()]);
  const raw = await RawClient.connect(aurae);
  try {
    const method = { path: "/aurae.observe.v1.ObserveService/GetLogs", serverStreaming: true, clientStreaming: false } as RpcMethod;
    const outcome = await raw.call(method, bytes, 10_000);
    assert.equal(outcome.code, 0, outcome.details);
    return outcome.responses.flatMap((r) => texts(GetLogsResponse.decode(r).entries));
  } finally {
    raw.close();
  }
}

test("since and until compare at the nanosecond: since t+1ns leaves out the record at t, until t+1ns keeps it", async (t) => {
  const cell = await cellFor(t);
  await run(cell, "three", "echo one; sleep 0.05; echo two; sleep 0.05; echo three"); // one read, one time: apart
  const entries = await query(aurae.client, { cellName: cell, executableName: "three" });
  const t2 = entries[1]!.timeUnixNano;
  assert.ok(entries[0]!.timeUnixNano < t2 && t2 < entries[2]!.timeUnixNano, "three distinct times");
  const request = { cellName: cell, executableName: "three" };
  assert.deepEqual(await queryExact(request, { since: t2 + 1n }), ["three"]);
  assert.deepEqual(await queryExact(request, { since: t2 }), ["two", "three"]);
  assert.deepEqual(await queryExact(request, { until: t2 + 1n }), ["one", "two"]);
  assert.deepEqual(await queryExact(request, { until: t2 }), ["one"]);
});

test("a tail of a whole cell of many long logs is exactly the newest n lines of them all, in time order", { timeout: 120_000 }, async (t) => {
  const cell = await cellFor(t);
  const names = Array.from({ length: 8 }, (_, i) => `w${i}`);
  // Each writes 20,000 lines, all at once, so their times interleave.
  await Promise.all(names.map((name) => aurae.client.executables.start({ spec: { cellName: cell, name, argv: ["sh", "-c", `seq -f '${name} %g' 1 20000`] } })));
  for (const name of names) await waitForExit(aurae.client, cell, name);
  const all = await query(aurae.client, { cellName: cell });
  assert.equal(all.length, 8 * 20_000);
  for (const n of [1, 1000, 25_000]) {
    const tail = await query(aurae.client, { cellName: cell, tail: n });
    assert.deepEqual(texts(tail), texts(all.slice(-n)), `tail ${n}`);
  }
});
