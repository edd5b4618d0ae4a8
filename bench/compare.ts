// Pairs of benchmarks (ours beside a naive baseline) whose ratio is printed after the
// run as one table, with the target where the issue sets one.
import type { run } from "mitata";

export interface Comparison {
  readonly title: string;
  readonly ours: string;
  readonly baseline: string;
  /** Ours must be at least this many times faster. */
  readonly target?: number;
}

const comparisons: Comparison[] = [];

export function compare(comparison: Comparison): void {
  comparisons.push(comparison);
}

type Results = Awaited<ReturnType<typeof run>>;

function averageNs(results: Results, name: string): number | undefined {
  for (const trial of results.benchmarks) {
    for (const r of trial.runs) if (r.name === name && r.stats) return r.stats.avg;
  }
  return undefined;
}

function formatNs(ns: number): string {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;
}

/** One line per comparison that ran: both averages, the ratio, and the target if any. */
export function printRatios(results: Results, print: (line: string) => void = console.log): void {
  const rows: string[] = [];
  for (const c of comparisons) {
    const ours = averageNs(results, c.ours);
    const baseline = averageNs(results, c.baseline);
    if (ours === undefined || baseline === undefined) continue;
    const ratio = baseline / ours;
    const verdict = c.target === undefined ? "" : ratio >= c.target ? `  (target ≥ ${c.target}×: met)` : `  (target ≥ ${c.target}×: MISSED)`;
    const speed = ratio >= 1 ? `${ratio.toFixed(2).padStart(6)}× faster` : `${(1 / ratio).toFixed(2).padStart(6)}× slower`;
    rows.push(`  ${c.title.padEnd(48)} ${formatNs(ours).padStart(10)} vs ${formatNs(baseline).padStart(10)}  ${speed}${verdict}`);
  }
  if (rows.length === 0) return;
  print("");
  print("ratios (ours vs naive baseline, mean time per call):");
  for (const row of rows) print(row);
}
