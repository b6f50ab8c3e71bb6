// Footprint. The daemon's resident memory idle (a fresh auraed that answered one call, then rested), against the
// bare grpc-js health server in the same state; the populated daemon's memory and cpu use while idle after its 1,000
// workloads started, against its own figures before it grew; and the memory of each of the 1,000 shims, as VmRSS and
// as Pss (shared libc pages split among the processes mapping them), against the `sleep` workload each one runs.
import type { Benchmark } from "./harness/benchmark.js";
import { startDaemon } from "./harness/daemon.js";
import { startEcho } from "./harness/echo.js";
import { sampleIdle } from "./harness/population.js";
import { memoryOf, type Memory } from "./harness/procs.js";
import { figure, type Goal } from "./harness/result.js";
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
    const after = await sampleIdle(populated.pid);

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
    const mib = (kib: number[]) => kib.map((k) => k / MIB);
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
        goal: { source: "issue", atMost: 60 },
      }),
      figure({
        name: `auraed RSS, after ${workloadPids.size} workloads started`,
        unit: "MiB",
        samples: mib(after.rssKiB),
        baseline: { name: "the same auraed idle before", samples: mib(before.rssKiB) },
        // The idle goal plus 50 KiB per workload, generous for what the daemon keeps of one (a row, a watcher, a timer).
        goal: { source: "bench", atMost: Math.round(10 * (60 + (workloadPids.size * 50) / MIB)) / 10 },
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
