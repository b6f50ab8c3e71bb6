// What every benchmark file exports, and what the runner (bench/main.ts) hands it.
import type { Cleanup } from "./cleanup.js";
import type { Population } from "./population.js";
import type { BenchResult } from "./result.js";

export interface BenchContext {
  /** The benchmark's own undo steps: run when it ends, whether it succeeded or not. */
  readonly cleanup: Cleanup;
  /** A progress line on stderr. */
  log(message: string): void;
  /**
   * The run's one populated daemon (1,000 cells, each running `sleep 3600`), made on first use and shared by the
   * benchmarks that need it (scale, footprint, restart); the runner stops and frees it at the end.
   */
  population(): Promise<Population>;
}

export interface Benchmark {
  /** What `npm run bench -- <name>` selects. */
  readonly name: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}
