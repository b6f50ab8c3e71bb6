// `npm run bench` runs every benchmark; `npm run bench -- <name>...` runs those named. Each benchmark gets its own
// cleanup, run when it ends even if it threw; the populated daemon some of them share is removed at the very end.
// Prints a table and writes bench/results/latest.json. Benchmarks never fail the process for a missed goal: the
// exit code is non-zero only when a benchmark could not run or its cleanup failed.
import { join } from "node:path";
import type { Benchmark, BenchContext } from "./harness/benchmark.js";
import { Cleanup } from "./harness/cleanup.js";
import { REPO } from "./harness/daemon.js";
import { leftovers } from "./harness/leftovers.js";
import { populate, type Population } from "./harness/population.js";
import { formatTable, thisMachine, writeResults } from "./harness/report.js";
import type { BenchResult } from "./harness/result.js";
import { cells } from "./cells.js";
import { durability } from "./durability.js";
import { footprint } from "./footprint.js";
import { logs } from "./logs.js";
import { restart } from "./restart.js";
import { rpc } from "./rpc.js";
import { scale } from "./scale.js";
import { startLatency } from "./start-latency.js";

/** In this order: those sharing the population come last, restart (which restarts its daemon) at the very end. */
const BENCHMARKS: readonly Benchmark[] = [startLatency, cells, durability, rpc, logs, scale, footprint, restart];
const RESULTS = join(REPO, "bench/results/latest.json");

async function main(names: readonly string[]): Promise<number> {
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(", ")}; choose from ${BENCHMARKS.map((b) => b.name).join(", ")}\n`);
    return 2;
  }
  const chosen = names.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => names.includes(b.name));
  const date = new Date();
  const shared = new Cleanup();
  let population: Promise<Population> | undefined;
  const failures: string[] = [];
  let current: Cleanup | undefined;
  // Interrupted: undo what the running benchmark and the population made, then leave.
  const onSignal = (): void => void (current?.run() ?? Promise.resolve()).then(() => shared.run()).finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const results: BenchResult[] = [];
  const m = thisMachine();
  process.stderr.write(`aurae benchmarks on ${m.cpus} cpus, kernel ${m.kernel}, node ${m.node}\n`);
  for (const bench of chosen) {
    const cleanup = (current = new Cleanup());
    const log = (message: string): void => void process.stderr.write(`[${bench.name}] ${message}\n`);
    const ctx: BenchContext = { cleanup, log, population: () => (population ??= populate(shared, (msg) => log(msg))) };
    const t0 = performance.now();
    try {
      log("running");
      const got = await bench.run(ctx);
      results.push(...got);
      for (const r of got) log(`${r.name}: median ${r.median.toFixed(3)} ${r.unit}; goal ${r.goal}: ${r.met ? "met" : "NOT met"}`);
    } catch (err) {
      failures.push(`${bench.name}: ${(err as Error).stack ?? String(err)}`);
    } finally {
      failures.push(...(await cleanup.run()).map((e) => `${bench.name}: ${e.message}`));
      log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  failures.push(...(await shared.run()).map((e) => `shared: ${e.message}`));
  failures.push(...(await leftovers()).map((what) => `left behind: ${what}`));
  process.stdout.write(`\n${formatTable(results)}\n\n`);
  await writeResults(RESULTS, results, date);
  process.stdout.write(`wrote ${RESULTS}\n`);
  for (const failure of failures) process.stderr.write(`FAILED ${failure}\n`);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
