// Log capture and follow throughput: a workload `cat`s a file of numbered 64-byte lines as fast as it can while a
// GetLogs follower (attached right after Start, reading packed records) receives them; the clock runs from the Start call until the follower
// holds every line, and every line is checked (count, order, bytes, stream, no partial record). Baseline, run by
// run: the shim alone (native/build/aurae-shim run directly, no daemon, no cell) with the same `cat`, from its spawn
// until it exits, which it does once the workload ended and every line is in its log segments (checked: the lines
// and bytes there); the issue's goal is that the follower keeps up with half that rate. Another reference: `cat` of
// the same file into a file. The daemon and the shim keep every segment (--log-max-files), so a follower that falls
// behind is measured as slow, never as lossy.
import { mkdir, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LogStream, packedLogRecords, type AuraeClient, type PackedLogRecord } from "../src/client/index.js";
import type { Benchmark } from "./harness/benchmark.js";
import { REPO, startDaemon } from "./harness/daemon.js";
import { cpuSeconds } from "./harness/procs.js";
import { figure } from "./harness/result.js";
import { median } from "./harness/stats.js";
import { runToExit } from "./harness/timing.js";

const LINES = 500_000;
const LINE_BYTES = 64; // with its newline
const RUNS = 8;
const CELL = "logs";
/** The issue's goal: the follower at least half as fast as the shim alone writing the same lines. */
const SHIM_RATIO_GOAL = 0.5;
const SHIM = join(REPO, "native/build/aurae-shim");
const MAX_FILES = "1000";
/** A record of a line: `<30-byte time> stdout F <63 bytes>\n`. */
const RECORD_BYTES = 31 + "stdout F ".length + LINE_BYTES;

export const logs: Benchmark = {
  name: "logs",
  async run(ctx) {
    const daemon = await startDaemon(ctx.cleanup, { args: ["--log-max-files", MAX_FILES] });
    const input = join(daemon.dir, "lines.txt");
    await writeFile(input, numberedLines(LINES));
    const bytes = LINES * LINE_BYTES;
    await daemon.client.cells.allocate({ spec: { name: CELL } });
    const seconds = { ours: [] as number[], shim: [] as number[], cat: [] as number[] };
    // Cpu per line, which the load of other processes on the machine changes far less than the rates.
    const cpuMicros = { daemon: [] as number[], follower: [] as number[] };
    const faults: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const name = `cat-${run}`;
      const daemonCpu0 = await cpuSeconds(daemon.pid);
      const followerCpu0 = process.cpuUsage();
      const t0 = performance.now();
      await daemon.client.executables.start({ spec: { cellName: CELL, name, argv: ["cat", input] } });
      const fault = await followAll(daemon.client, name);
      seconds.ours.push((performance.now() - t0) / 1000);
      const followerCpu = process.cpuUsage(followerCpu0);
      cpuMicros.daemon.push((((await cpuSeconds(daemon.pid)) - daemonCpu0) * 1e6) / LINES);
      cpuMicros.follower.push((followerCpu.user + followerCpu.system) / LINES);
      if (fault) faults.push(`run ${run}: ${fault}`);
      await daemon.client.executables.wait({ cellName: CELL, name });
      seconds.shim.push(await shimAlone(input, join(daemon.dir, `shim-${run}`)));
      seconds.cat.push(await catToFile(input, join(daemon.dir, "cat.out")));
      const rate = (s: number[]): number => Math.round(LINES / s.at(-1)!);
      ctx.log(`run ${run}: ${rate(seconds.ours)} lines/s, shim alone ${rate(seconds.shim)} lines/s${fault ? `, LOSSY: ${fault}` : ""}`);
    }
    const lossless = faults.length === 0 ? `lossless in ${RUNS}/${RUNS} runs` : `NOT lossless: ${faults.join("; ")}`;
    const cpu = `cpu per line, median: auraed ${median(cpuMicros.daemon).toFixed(2)} us, the follower ${median(cpuMicros.follower).toFixed(2)} us`;
    const per = (amount: number, s: number[]) => s.map((x) => amount / x);
    const shim = "the shim alone writing them to its log";
    const cat = "cat of the same bytes into a file";
    return [
      figure({
        name: `log capture + follow, ${LINES} lines of ${LINE_BYTES} B: lines/s`,
        unit: "lines/s",
        samples: per(LINES, seconds.ours),
        baseline: { name: shim, samples: per(LINES, seconds.shim) },
        otherBaselines: [{ name: cat, samples: per(LINES, seconds.cat) }],
        goal: { source: "issue", ratioAtLeast: SHIM_RATIO_GOAL },
        note: `${lossless}; ${cpu}`,
        invalid: faults.length > 0,
      }),
      figure({
        name: `log capture + follow, ${LINES} lines of ${LINE_BYTES} B: MB/s`,
        unit: "MB/s",
        samples: per(bytes / 1e6, seconds.ours),
        baseline: { name: shim, samples: per(bytes / 1e6, seconds.shim) },
        otherBaselines: [{ name: cat, samples: per(bytes / 1e6, seconds.cat) }],
        // The same goal in bytes of the workload's output.
        goal: { source: "issue", ratioAtLeast: SHIM_RATIO_GOAL },
        invalid: faults.length > 0,
      }),
    ];
  },
};

/** Line i (from 0): its number in 8 digits, a space, then filler up to 63 bytes, then a newline. */
function numberedLines(count: number): Buffer {
  const filler = "x".repeat(LINE_BYTES - 10);
  const out = Buffer.allocUnsafe(count * LINE_BYTES);
  for (let i = 0; i < count; i++) out.write(`${String(i).padStart(8, "0")} ${filler}\n`, i * LINE_BYTES, "latin1");
  return out;
}

/** Follows the executable's log (packed) until every line arrived; returns what was wrong with them, if anything. */
async function followAll(client: AuraeClient, name: string): Promise<string | undefined> {
  const abort = new AbortController();
  let next = 0;
  const request = { cellName: CELL, executableName: name, follow: true, packed: true };
  try {
    for await (const { entries, records, skippedBytes } of client.observe.getLogs(request, { signal: abort.signal })) {
      if (skippedBytes > 0) return `${skippedBytes} bytes skipped`;
      if (entries.length > 0) return "entries, not packed records";
      for (const e of packedLogRecords(records)) {
        const fault = lineFault(e, next);
        if (fault) return fault;
        next++;
      }
      if (next >= LINES) break;
    }
  } finally {
    abort.abort();
  }
  return next === LINES ? undefined : `the stream ended after ${next} of ${LINES} lines`;
}

/** The line's number: its first 8 bytes, decimal digits. */
function lineNumber(line: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 8; i++) n = n * 10 + (line[i]! - 0x30);
  return n;
}

/** The bytes every line has after its number. */
const FILLER = Buffer.from(` ${"x".repeat(LINE_BYTES - 10)}`);

function lineFault(e: PackedLogRecord, expected: number): string | undefined {
  if (e.stream !== LogStream.LOG_STREAM_STDOUT || e.partial) return `line ${expected}: stream ${e.stream}, partial ${e.partial}`;
  const line = Buffer.from(e.line.buffer, e.line.byteOffset, e.line.byteLength);
  if (line.length !== LINE_BYTES - 1 || lineNumber(line) !== expected || line.compare(FILLER, 0, FILLER.length, 8) !== 0)
    return `expected line ${expected}, got "${line.toString("latin1", 0, 20)}..." (${line.length} bytes)`;
  return undefined;
}

/**
 * Seconds from spawning the shim with `cat input` until it exits: it exits once the workload ended and its log is
 * complete. Throws unless its segments then hold every line, as the shim writes them.
 */
async function shimAlone(input: string, dir: string): Promise<number> {
  const logDir = join(dir, "log");
  await mkdir(dir);
  try {
    const args = ["--state-dir", join(dir, "state"), "--log-dir", logDir, "--log-max-files", MAX_FILES, "--", "cat", input];
    const { ms } = await runToExit(SHIM, args);
    let bytes = 0;
    let lines = 0;
    for (const name of await readdir(logDir)) {
      const segment = await readFile(join(logDir, name));
      bytes += segment.length;
      for (let at = segment.indexOf(0x0a); at >= 0; at = segment.indexOf(0x0a, at + 1)) lines++;
    }
    if (lines !== LINES || bytes !== LINES * RECORD_BYTES)
      throw new Error(`the shim alone wrote ${lines} lines, ${bytes} bytes to ${logDir}; want ${LINES}, ${LINES * RECORD_BYTES}`);
    return ms / 1000;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Seconds `cat input > output` takes. */
async function catToFile(input: string, output: string): Promise<number> {
  const out = await open(output, "w");
  try {
    return (await runToExit("cat", [input], ["ignore", out.fd, "inherit"])).ms / 1000;
  } finally {
    await out.close();
    await rm(output);
  }
}
