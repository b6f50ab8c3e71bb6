// One figure of a benchmark as bench/results/latest.json records it: the summary of our samples, the baseline it is
// compared with, ours divided by the baseline, and the goal with whether the median meets it.
import { median, summarize } from "./stats.js";

export interface BenchResult {
  readonly name: string;
  readonly unit: string;
  readonly runs: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly baseline: { readonly name: string; readonly median: number };
  /** Our median divided by the baseline's; null when the baseline's median is 0 (an idle cpu figure). */
  readonly ratio: number | null;
  readonly goal: string;
  readonly met: boolean;
  /** More reference points measured in the same run, each with our median divided by theirs. */
  readonly otherBaselines?: readonly { readonly name: string; readonly median: number; readonly ratio: number | null }[];
  /** Anything a reader needs besides the numbers (a failed lossless check, how a figure was taken). */
  readonly note?: string;
}

/**
 * What a figure must reach. Ratio goals compare our median with the baseline's (times: at most that multiple;
 * throughputs: at least that fraction); absolute goals compare our median with a value in the figure's unit; a
 * margin goal, with another baseline's median plus a margin in the figure's unit (the kernel's floor + 3 ms).
 * `source` says whether the goal is the or one this suite set where the issue gives none.
 */
export type Goal = { readonly source: "issue" | "bench" } & (
  | { readonly ratioAtMost: number }
  | { readonly ratioAtLeast: number }
  | { readonly atMost: number }
  | { readonly atLeast: number }
  | { readonly over: Baseline; readonly marginAtMost: number }
);

export interface Baseline {
  readonly name: string;
  readonly samples: readonly number[];
}

export interface FigureSpec {
  readonly name: string;
  readonly unit: string;
  readonly samples: readonly number[];
  readonly baseline: Baseline;
  /** Several goals: the figure meets them all, and its goal text names each. */
  readonly goal: Goal | readonly Goal[];
  readonly otherBaselines?: readonly Baseline[];
  readonly note?: string;
  /** Forces `met` to false whatever the numbers say (a lossless check that failed). */
  readonly invalid?: boolean;
}

export function figure(spec: FigureSpec): BenchResult {
  const ours = summarize(spec.samples);
  const base = median(spec.baseline.samples);
  const ratio = ratioOf(ours.median, base);
  const goals: readonly Goal[] = Array.isArray(spec.goal) ? spec.goal : [spec.goal as Goal];
  return {
    name: spec.name,
    unit: spec.unit,
    ...ours,
    baseline: { name: spec.baseline.name, median: base },
    ratio,
    goal: goals.map((g) => goalText(g, spec.baseline.name, spec.unit)).join(" and "),
    met: !spec.invalid && goals.every((g) => meets(g, ours.median, ratio)),
    ...(spec.otherBaselines && {
      otherBaselines: spec.otherBaselines.map((b) => ({ name: b.name, median: median(b.samples), ratio: ratioOf(ours.median, median(b.samples)) })),
    }),
    ...(spec.note !== undefined && { note: spec.note }),
  };
}

const ratioOf = (ours: number, base: number): number | null => (base === 0 ? null : ours / base);

function meets(goal: Goal, ours: number, ratio: number | null): boolean {
  if ("ratioAtMost" in goal) return ratio !== null && ratio <= goal.ratioAtMost;
  if ("ratioAtLeast" in goal) return ratio !== null && ratio >= goal.ratioAtLeast;
  if ("atMost" in goal) return ours <= goal.atMost;
  if ("marginAtMost" in goal) return ours <= median(goal.over.samples) + goal.marginAtMost;
  return ours >= goal.atLeast;
}

function goalText(goal: Goal, baseline: string, unit: string): string {
  const own = goal.source === "bench" ? " (bench's own)" : "";
  if ("ratioAtMost" in goal) return `<= ${goal.ratioAtMost}x ${baseline}${own}`;
  if ("ratioAtLeast" in goal) return `>= ${Math.round(goal.ratioAtLeast * 100)}% of ${baseline}${own}`;
  if ("atMost" in goal) return `<= ${goal.atMost} ${unit}${own}`;
  if ("marginAtMost" in goal) return `<= ${goal.over.name} + ${goal.marginAtMost} ${unit}${own}`;
  return `>= ${goal.atLeast} ${unit}${own}`;
}
