// Footprint. The daemon's resident memory idle (a fresh auraed that answered one call, then rested), against the
// bare grpc-js health server in the same state; what the populated daemon holds per running workload (its RSS after
// its 1,000 workloads started minus its RSS idle before it grew, each after a full garbage collection, divided by the
// workload count), against the VmRSS of the `sleep` each one runs; its cpu use while idle with them; and the memory
// of each of the 1,000 shims, as VmRSS and as Pss (shared libc pages split among the processes mapping them), against
// the `sleep` workload each one runs.
import type { Benchmark } from "./harness/benchmark.js";
import { startDaemon } from "./harness/daemon.js";
import { startEcho } from "./harness/echo.js";
import { sampleIdle } from "./harness/population.js";
import { memoryOf, type Memory } from "./harness/procs.js";
import { figure, type Goal } from "./harness/result.js";
import { median } from "./harness/stats.js";
import { sleep } from "./harness/timing.js";

const REST_MS = 2000;
const SAMPLES = 10;
const EVERY_MS = 200;
const MIB = 1024;

export const footprint: Benchmark = {
  name: "footprint",
  async run(ctx) {
    const { daemon: populated, idle: before, workloadPids } = await ctx.population();
    const shims = await Promise.all((await populated.shimPids()).map(memoryOf));
    const workloads = await Promise.all([...workloadPids.values()].map(memoryOf));
    // Garbage not yet collected is not held: the population collected it before its idle samples too.
    await populated.collectGarbage();
    const after = await sampleIdle(populated.pid);
    const perWorkloadKiB = after.rssKiB.map((kib) => (kib - median(before.rssKiB)) / workloadPids.size);

    const fresh = await startDaemon(ctx.cleanup);
    const echo = await startEcho(ctx.cleanup, fresh);
    await echo.client.health.check({});
    await sleep(REST_MS);
    const idle = { ours: [] as number[], bare: [] as number[] };
    for (let i = 0; i < SAMPLES; i++) {
      idle.ours.push((await memoryOf(fresh.pid)).rssKiB / MIB);
      idle.bare.push((await memoryOf(echo.pid)).rssKiB / MIB);
      await sleep(EVERY_MS);
    }
    const of = (list: Memory[], key: keyof Memory) => list.map((m) => m[key] / MIB);
    const shimFigure = (what: string, key: keyof Memory, goal: Goal) =>
      figure({
        name: `shim ${what} (${shims.length} shims)`,
        unit: "MiB",
        samples: of(shims, key),
        baseline: { name: `the sleep workloads' ${what} (${workloads.length})`, samples: of(workloads, key) },
        goal,
      });
    return [
      figure({
        name: "auraed RSS, idle",
        unit: "MiB",
        samples: idle.ours,
        baseline: { name: "bare grpc-js health server, idle", samples: idle.bare },
        goal: { source: "issue", ratioAtMost: 1.15 },
      }),
      figure({
        name: `auraed RSS per running workload (${workloadPids.size}, after a GC)`,
        unit: "KiB",
        samples: perWorkloadKiB,
        baseline: { name: "a workload's own VmRSS (sleep)", samples: workloads.map((m) => m.rssKiB) },
        goal: { source: "issue", atMost: 20 },
        note: `RSS after a GC: ${(median(after.rssKiB) / MIB).toFixed(1)} MiB with ${workloadPids.size} workloads, ${(median(before.rssKiB) / MIB).toFixed(1)} MiB idle before they started`,
      }),
      figure({
        name: `auraed cpu while idle with ${workloadPids.size} workloads`,
        unit: "% of a cpu",
        samples: after.cpuPercent,
        baseline: { name: "the same auraed idle before", samples: before.cpuPercent },
        goal: { source: "bench", atMost: 1 },
      }),
      shimFigure("VmRSS", "rssKiB", { source: "issue", atMost: 1 }),
      shimFigure("Pss", "pssKiB", { source: "bench", atMost: 1 }),
    ];
  },
};
