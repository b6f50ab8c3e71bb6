import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { LogStream } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { collectLogs, waitForExit } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();
const numbers = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1));

async function allocate(t: { after: (fn: () => Promise<unknown>) => void }): Promise<string> {
  const name = uniqueName("logs");
  await aurae.client.cells.allocate({ spec: { name } });
  t.after(() => aurae.client.cells.free({ name }));
  return name;
}

test("logs returns all 10,000 numbered lines in order, none missing", async (t) => {
  const cell = await allocate(t);
  await aurae.client.executables.start({ spec: { cellName: cell, name: "seq", argv: ["seq", "1", "10000"] } });
  await waitForExit(aurae.client, cell, "seq");
  const entries = await collectLogs(aurae.client, cell, "seq", false);
  assert.deepEqual(entries.map((e) => e.line.toString()), numbers(10_000));
  assert.ok(entries.every((e) => e.stream === LogStream.LOG_STREAM_STDOUT && !e.partial));
});

test("a follower that starts before the output sees every line as it comes, then the stream ends", async (t) => {
  const cell = await allocate(t);
  // The workload waits before printing, so the follower is likely attached before the first line; then it prints
  // the second half only once the follower has delivered line 5000 (the test creates the gate file then): a
  // follower that only replayed a finished log would never open the gate.
  const gate = join(aurae.dir, `${cell}.gate`);
  await aurae.client.executables.start({
    spec: { cellName: cell, name: "slow", argv: ["sh", "-c", `sleep 0.5; seq 1 5000; while [ ! -e ${gate} ]; do sleep 0.02; done; seq 5001 10000`] },
  });
  const lines: string[] = [];
  for await (const { entries } of aurae.client.observe.getLogs({ cellName: cell, executableName: "slow", follow: true })) {
    for (const e of entries) lines.push(e.line.toString());
    if (lines.length === 5000) await writeFile(gate, "");
  }
  assert.deepEqual(lines, numbers(10_000));
});

test("stdout and stderr are tagged, partial last lines delivered, and offsets resume exactly", async (t) => {
  const cell = await allocate(t);
  await aurae.client.executables.start({
    spec: { cellName: cell, name: "mixed", argv: ["sh", "-c", "echo out1; echo err1 >&2; echo out2; printf tail"] },
  });
  await waitForExit(aurae.client, cell, "mixed");
  const entries = await collectLogs(aurae.client, cell, "mixed", true);
  const text = (stream: LogStream) => entries.filter((e) => e.stream === stream).map((e) => e.line.toString());
  assert.deepEqual(text(LogStream.LOG_STREAM_STDOUT), ["out1", "out2", "tail"]);
  assert.deepEqual(text(LogStream.LOG_STREAM_STDERR), ["err1"]);
  const resumed: string[] = [];
  for await (const { entries: more } of aurae.client.observe.getLogs({ cellName: cell, executableName: "mixed", offset: entries[1]!.nextOffset }))
    resumed.push(...more.map((e) => e.line.toString()));
  assert.deepEqual(resumed, entries.slice(2).map((e) => e.line.toString()));
});

test("logs of an unknown executable are NOT_FOUND; a negative offset is INVALID_ARGUMENT", async (t) => {
  const cell = await allocate(t);
  await assert.rejects(collectLogs(aurae.client, cell, "ghost", false), { code: "not-found" });
  await assert.rejects(
    (async () => {
      for await (const _ of aurae.client.observe.getLogs({ cellName: cell, executableName: "ghost", offset: -1n }));
    })(),
    { code: "invalid" },
  );
});

test("a follow of a whole cell started before any executable receives the lines of one started later", async (t) => {
  const cell = await allocate(t);
  const ac = new AbortController();
  t.after(() => ac.abort());
  const giveUp = setTimeout(() => ac.abort(), 20_000); // it waited for ever: fail instead
  t.after(() => clearTimeout(giveUp));
  const lines: string[] = [];
  const follow = (async () => {
    for await (const { entries } of aurae.client.observe.getLogs({ cellName: cell, follow: true }, { signal: ac.signal })) {
      lines.push(...entries.map((e) => `${e.executableName}: ${e.line.toString()}`));
      if (lines.length >= 3) return;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 300)); // the follow is open, on a cell with nothing in it
  await aurae.client.executables.start({ spec: { cellName: cell, name: "late", argv: ["seq", "1", "3"] } });
  await follow;
  assert.deepEqual(lines, ["late: 1", "late: 2", "late: 3"]);
  await waitForExit(aurae.client, cell, "late"); // the cell is freed without stop
});

test("a missing cell is NOT_FOUND naming the cell, for logs and for get, stop, signal and wait of an executable in it", async () => {
  const cellName = uniqueName("no-such-cell");
  const named = { code: "not-found", message: new RegExp(`cell "${cellName}" not found`) };
  await assert.rejects(collectLogs(aurae.client, cellName, "x", false), named);
  await assert.rejects(collectLogs(aurae.client, cellName, "", false), named);
  await assert.rejects(aurae.client.executables.get({ cellName, name: "x" }), named);
  await assert.rejects(aurae.client.executables.stop({ cellName, name: "x" }), named);
  await assert.rejects(aurae.client.executables.signal({ cellName, name: "x", signal: 15 }), named);
  await assert.rejects(aurae.client.executables.wait({ cellName, name: "x" }), named);
});
