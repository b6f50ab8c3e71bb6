// The two outputs of a run: a table on stdout and bench/results/latest.json.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, release } from "node:os";
import { dirname } from "node:path";
import type { BenchResult } from "./result.js";

export interface Machine {
  readonly cpus: number;
  readonly kernel: string;
  readonly node: string;
}

export const thisMachine = (): Machine => ({ cpus: cpus().length, kernel: release(), node: process.version });

export async function writeResults(path: string, results: readonly BenchResult[], date: Date): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const doc = { date: date.toISOString(), machine: thisMachine(), results };
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
}

const COLUMNS = ["benchmark", "unit", "runs", "min", "median", "p95", "baseline (median)", "ratio", "goal", "met"] as const;

export function formatTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    r.unit,
    String(r.runs),
    num(r.min),
    num(r.median),
    num(r.p95),
    `${r.baseline.name}: ${num(r.baseline.median)}`,
    r.ratio === null ? "-" : `${num(r.ratio)}x`,
    r.goal,
    r.met ? "yes" : "NO",
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const numeric = new Set([2, 3, 4, 5, 7]);
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [line(COLUMNS), line(widths.map((w) => "-".repeat(w)))];
  results.forEach((r, i) => {
    out.push(line(rows[i]!));
    for (const other of r.otherBaselines ?? [])
      out.push(`    also vs ${other.name}: ${num(other.median)}${other.ratio === null ? "" : ` (ratio ${num(other.ratio)}x)`}`);
    if (r.note) out.push(`    note: ${r.note}`);
  });
  return out.join("\n");
}

/** Three significant digits, without exponent notation for the sizes we print. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toString();
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}
