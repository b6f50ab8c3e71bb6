// Scale: 1,000 cells, each running `sleep 3600` (see harness/population.ts). Start latency (call -> running reply of
// /bin/true probes) with 10, 100 and 1,000 workloads running, each against the same probes on an idle reference
// daemon, interleaved: flat means the ratio stays near 1 as the population grows. One List call of a 1,000-entry
// page of cells and of executables, against the same call when 10 were running.
import type { Benchmark } from "./harness/benchmark.js";
import { CHECKPOINTS, POPULATION, type Checkpoint } from "./harness/population.js";
import { figure, type Baseline } from "./harness/result.js";

const FEW = CHECKPOINTS[0];

export const scale: Benchmark = {
  name: "scale",
  async run(ctx) {
    const { at } = await ctx.population();
    const full = at.get(POPULATION)!;
    const withFew = (what: string, samples: (c: Checkpoint) => number[]): Baseline => ({ name: `${what}, ${FEW} running`, samples: samples(at.get(FEW)!) });
    return [
      ...CHECKPOINTS.map((n) =>
        figure({
          name: `exec start /bin/true with ${n} workloads running`,
          unit: "ms",
          samples: at.get(n)!.startMs,
          baseline: { name: "same start, idle auraed, interleaved", samples: at.get(n)!.referenceStartMs },
          // "Must stay flat": within a quarter of an idle daemon's figure, at every size.
          goal: { source: "bench", ratioAtMost: 1.25 },
        }),
      ),
      figure({
        name: `cells list, ${POPULATION} cells (one page)`,
        unit: "ms",
        samples: full.listCellsMs,
        baseline: withFew("cells list", (c) => c.listCellsMs),
        goal: { source: "issue", atMost: 50 },
      }),
      figure({
        name: `executables list, ${POPULATION} of them (one page)`,
        unit: "ms",
        samples: full.listExecutablesMs,
        baseline: withFew("executables list", (c) => c.listExecutablesMs),
        goal: { source: "issue", atMost: 50 },
      }),
    ];
  },
};
