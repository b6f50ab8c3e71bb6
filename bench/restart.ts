// Restart: the milliseconds from spawning auraed to its first SERVING health answer, on the state of the populated
// daemon (1,000 cells whose `sleep` workloads keep running across the restart and are adopted), against the same
// on an empty state dir; SIGTERM before each start, the two daemons alternating. After each populated restart every
// workload must be running again with the pid it had, or the figure does not count as met.
import type { AuraeClient } from "../src/client/index.js";
import { ExecutableState } from "../src/client/index.js";
import type { Benchmark } from "./harness/benchmark.js";
import { startDaemon } from "./harness/daemon.js";
import { figure } from "./harness/result.js";

const RUNS = 7;
const GOAL_MS = 2000;
const PAGE = 1000;

export const restart: Benchmark = {
  name: "restart",
  async run(ctx) {
    const { daemon: populated, workloadPids } = await ctx.population();
    const empty = await startDaemon(ctx.cleanup);
    const ms = { populated: [] as number[], empty: [] as number[] };
    const faults: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      await empty.stop();
      ms.empty.push(await empty.start());
      await populated.stop();
      ms.populated.push(await populated.start());
      const lost = await notAdopted(populated.client, workloadPids);
      if (lost.length > 0) faults.push(`run ${run}: ${lost.length} not adopted (${lost.slice(0, 3).join(", ")})`);
      ctx.log(`run ${run}: ${Math.round(ms.populated.at(-1)!)} ms populated, ${Math.round(ms.empty.at(-1)!)} ms empty`);
    }
    return [
      figure({
        name: `auraed start to serving, adopting ${workloadPids.size} workloads`,
        unit: "ms",
        samples: ms.populated,
        baseline: { name: "auraed start to serving, empty state", samples: ms.empty },
        // The issue's: at most 2 s to serving, every workload adopted with its pid (a run that lost one is invalid).
        goal: { source: "issue", atMost: GOAL_MS },
        note: faults.length === 0 ? `all ${workloadPids.size} workloads adopted with their pids, every run` : faults.join("; "),
        invalid: faults.length > 0,
      }),
    ];
  },
};

/** Cells whose `sleep` is not running with the pid it was started with. */
async function notAdopted(client: AuraeClient, pids: ReadonlyMap<string, number>): Promise<string[]> {
  const running = new Map<string, number>();
  let pageToken = "";
  do {
    const page = await client.executables.list({ pageSize: PAGE, pageToken });
    for (const x of page.executables)
      if (x.spec?.name === "sleep" && x.status?.state === ExecutableState.EXECUTABLE_STATE_RUNNING) running.set(x.spec.cellName, x.status.pid);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return [...pids].filter(([cell, pid]) => running.get(cell) !== pid).map(([cell]) => cell);
}
