// Cell allocate and free latency with limits (cpu quota, memory max, pids max), through the API. Baseline, run by
// run: the same cgroups made and removed from Node directly, in the same hierarchies and with the same limit files
// written (the parent's cpuset copied where the kernel left it empty, as it requires before a task may join).
import { rmdir } from "node:fs/promises";
import type { Benchmark } from "./harness/benchmark.js";
import { besideCell, makeCgroups, type LimitFiles } from "./harness/cgroupfs.js";
import { startDaemon } from "./harness/daemon.js";
import { num } from "./harness/report.js";
import { figure } from "./harness/result.js";
import { median } from "./harness/stats.js";
import { timed } from "./harness/timing.js";

const RUNS = 100;
const WARMUP = 10;
const LIMITS = { cpu: { quotaUs: 50_000n, periodUs: 100_000n }, memory: { maxBytes: 64n << 20n }, pids: { max: 64n } };
/** The files and values the driver writes for LIMITS, which the baseline writes too. */
const LIMIT_FILES: LimitFiles = {
  cpu: [["cpu.cfs_period_us", "100000"], ["cpu.cfs_quota_us", "50000"]],
  memory: [["memory.limit_in_bytes", String(64 << 20)]],
  pids: [["pids.max", "64"]],
};

export const cells: Benchmark = {
  name: "cells",
  async run(ctx) {
    const daemon = await startDaemon(ctx.cleanup);
    const { client } = daemon;
    const ms = { allocate: [] as number[], free: [] as number[], mkdir: [] as number[], rmdir: [] as number[] };
    for (let i = -WARMUP; i < RUNS; i++) {
      const name = `cell-${i + WARMUP}`;
      let paths: string[] = [];
      const allocate = await timed(async () => {
        const { cell } = await client.cells.allocate({ spec: { name, ...LIMITS } });
        paths = cell!.status!.cgroupPaths;
      });
      const free = await timed(() => client.cells.free({ name }));
      const dirs = besideCell(paths, `raw-${name}`);
      const made = await timed(() => makeCgroups(dirs, LIMIT_FILES));
      const removed = await timed(async () => {
        for (const dir of dirs) await rmdir(dir);
      });
      if (i < 0) continue;
      ms.allocate.push(allocate);
      ms.free.push(free);
      ms.mkdir.push(made);
      ms.rmdir.push(removed);
    }
    const both = (a: number[], b: number[]) => a.map((x, i) => x + b[i]!);
    return [
      figure({
        name: "cell allocate + free (cpu, memory, pids limits)",
        unit: "ms",
        samples: both(ms.allocate, ms.free),
        baseline: { name: "mkdir + limit writes + rmdir from node", samples: both(ms.mkdir, ms.rmdir) },
        // Issue 15: at most twice the kernel's work, the two unary calls and their database commits included.
        goal: { source: "issue", ratioAtMost: 2 },
        note: `medians: allocate ${num(median(ms.allocate))} ms vs mkdir + writes ${num(median(ms.mkdir))} ms; ` +
          `free ${num(median(ms.free))} ms vs rmdir ${num(median(ms.rmdir))} ms`,
      }),
    ];
  },
};
