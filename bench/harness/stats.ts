// Summaries of a sample: min, median and p95 (linear interpolation between closest ranks, as numpy's default).

export interface Summary {
  readonly runs: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error("summarize: no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  return { runs: sorted.length, min: sorted[0]!, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

export const median = (samples: readonly number[]): number => summarize(samples).median;

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (at - below);
}
