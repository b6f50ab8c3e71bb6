// The log bus loses nothing: a million lines followed live across rotations, slow and reconnecting readers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LogStream, type AuraeClient } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { sleep, waitForExit } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";

// Small segments, so a million lines rotate through dozens of them while being followed.
const aurae = useDaemon({ args: ["--log-max-bytes", String(1 << 20), "--log-max-files", "200"] });

/** Odd numbers to stdout, even to stderr, as fast as awk writes them. */
const MIXED = (n: number) => `sleep 0.5; seq 1 ${n} | awk '{ if ($1 % 2) print $1; else print $1 > "/dev/stderr" }'`;

async function startMixed(t: { after: (fn: () => Promise<unknown>) => void }, n: number): Promise<string> {
  const cell = uniqueName("bus");
  await aurae.client.cells.allocate({ spec: { name: cell } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true }));
  await aurae.client.executables.start({ spec: { cellName: cell, name: "mixed", argv: ["sh", "-c", MIXED(n)] } });
  return cell;
}

/** Checks each stream holds its half of 1..n, in order, once, with the right tag. */
function checkMixed(lines: { stream: LogStream; text: string }[], n: number): void {
  const expect = { [LogStream.LOG_STREAM_STDOUT]: 1, [LogStream.LOG_STREAM_STDERR]: 2 } as Record<number, number>;
  let sum = 0;
  for (const { stream, text } of lines) {
    const value = Number(text);
    assert.equal(value, expect[stream], `stream ${stream}: expected ${expect[stream]}, got ${text}`);
    expect[stream] = value + 2;
    sum += value;
  }
  assert.equal(lines.length, n);
  assert.equal(sum, (n * (n + 1)) / 2, "checksum");
}

async function follow(client: AuraeClient, cell: string, opts: { cursor?: string; delayMs?: number; stopAfter?: number } = {}) {
  const lines: { stream: LogStream; text: string }[] = [];
  let cursor = opts.cursor ?? "";
  const abort = new AbortController();
  try {
    for await (const batch of client.observe.getLogs({ cellName: cell, executableName: "mixed", follow: true, cursor }, { signal: abort.signal })) {
      for (const e of batch.entries) lines.push({ stream: e.stream, text: e.line.toString() });
      cursor = batch.cursor;
      if (opts.delayMs) await sleep(opts.delayMs);
      if (opts.stopAfter !== undefined && lines.length >= opts.stopAfter) {
        abort.abort();
        break;
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
  return { lines, cursor };
}

test("a follower attached before a workload writes 1,000,000 mixed lines receives every one, in order, tagged", { timeout: 240_000 }, async (t) => {
  const n = 1_000_000;
  const cell = await startMixed(t, n);
  const { lines } = await follow(aurae.client, cell);
  checkMixed(lines, n);
});

test("a follower that sleeps between reads ends with the complete sequence", { timeout: 120_000 }, async (t) => {
  const n = 100_000;
  const cell = await startMixed(t, n);
  const { lines } = await follow(aurae.client, cell, { delayMs: 5 });
  checkMixed(lines, n);
});

test("a follower that disconnects and resumes with its cursor ends with the complete sequence", { timeout: 120_000 }, async (t) => {
  const n = 200_000;
  const cell = await startMixed(t, n);
  const first = await follow(aurae.client, cell, { stopAfter: 50_000 });
  const rest = await follow(aurae.client, cell, { cursor: first.cursor });
  checkMixed([...first.lines, ...rest.lines], n);
});

test("logs survive a daemon restart", { timeout: 60_000 }, async (t) => {
  const n = 20_000;
  const cell = await startMixed(t, n);
  await waitForExit(aurae.client, cell, "mixed");
  await aurae.kill9();
  await aurae.start();
  const { lines } = await follow(aurae.client, cell);
  checkMixed(lines, n);
});
