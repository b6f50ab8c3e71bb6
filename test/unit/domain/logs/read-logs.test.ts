import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { encodeLogCursor } from "../../../../src/domain/logs/log-cursor.js";
import { readLogs, type LogQuery, type LogSources } from "../../../../src/domain/logs/read-logs.js";
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
