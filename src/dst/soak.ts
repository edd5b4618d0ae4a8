// Runs many seeds and sums them up: used by the tests and by `bun run dst --seeds`.
import { reproduceCommand, runSeed, type RunOptions, type RunResult } from "./run.ts";

export interface SoakSummary {
  seeds: number;
  failures: { seed: number; violations: string[]; reproduce: string }[];
  undecided: number[];
  ops: number;
  events: number;
  elections: number;
  successorDuplicates: number;
  abandoned: number;
  bySize: Map<number, number>;
  byMix: Map<string, number>;
  ms: number;
}

export function soak(seeds: Iterable<number>, options: RunOptions = {}, onResult?: (result: RunResult) => void): SoakSummary {
  const summary: SoakSummary = {
    seeds: 0,
    failures: [],
    undecided: [],
    ops: 0,
    events: 0,
    elections: 0,
    successorDuplicates: 0,
    abandoned: 0,
    bySize: new Map(),
    byMix: new Map(),
    ms: 0,
  };
  const started = performance.now();
  for (const seed of seeds) {
    const result = runSeed(seed, options);
    summary.seeds++;
    summary.ops += result.ops;
    summary.events += result.events;
    summary.elections += result.elections;
    summary.successorDuplicates += result.successorDuplicates;
    summary.abandoned += result.abandoned;
    summary.bySize.set(result.scenario.size, (summary.bySize.get(result.scenario.size) ?? 0) + 1);
    summary.byMix.set(result.scenario.mix, (summary.byMix.get(result.scenario.mix) ?? 0) + 1);
    if (result.violations.length > 0) summary.failures.push({ seed, violations: result.violations, reproduce: reproduceCommand(seed) });
    if (result.undecided !== undefined) summary.undecided.push(seed);
    onResult?.(result);
  }
  summary.ms = performance.now() - started;
  return summary;
}

export function* range(from: number, to: number): Generator<number> {
  for (let seed = from; seed <= to; seed++) yield seed;
}
