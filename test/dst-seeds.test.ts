// Deterministic simulation: thousands of seeded runs across cluster sizes and fault mixes,
// each checked by the invariants after every event and by the linearizability checker.
// A failing seed prints the one command that replays it with its event trace.
import { describe, expect, test } from "bun:test";
import { MIXES } from "../src/dst/scenario.ts";
import { range, soak, type SoakSummary } from "../src/dst/soak.ts";

/** 6 chunks of 1,000 seeds: about 40 s on the 2-core machine. */
const CHUNKS = 6;
const PER_CHUNK = 1000;

const totals = { seeds: 0, sizes: new Map<number, number>(), mixes: new Map<string, number>() };

function report(summary: SoakSummary): string[] {
  return summary.failures.map((f) => `seed ${f.seed}: ${f.violations[0]?.split("\n")[0]}\n    reproduce: ${f.reproduce}`);
}

describe("deterministic simulation", () => {
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    const from = chunk * PER_CHUNK + 1;
    const to = from + PER_CHUNK - 1;
    test(`seeds ${from}-${to}: no invariant, liveness or linearizability violation`, () => {
      const summary = soak(range(from, to));
      totals.seeds += summary.seeds;
      for (const [size, n] of summary.bySize) totals.sizes.set(size, (totals.sizes.get(size) ?? 0) + n);
      for (const [mix, n] of summary.byMix) totals.mixes.set(mix, (totals.mixes.get(mix) ?? 0) + n);
      console.log(`dst seeds ${from}-${to}: ${summary.ops} client ops, ${summary.elections} terms with a leader, ${summary.failures.length} failing`);
      for (const line of report(summary)) console.log(`FAIL ${line}`);
      expect(report(summary)).toEqual([]);
      // A checker that gives up proves nothing: the budget must suffice.
      expect(summary.undecided).toEqual([]);
    }, 180_000);
  }

  test("the seeds covered every cluster size and fault mix", () => {
    expect(totals.seeds).toBe(CHUNKS * PER_CHUNK);
    for (const size of [3, 5, 7]) expect(totals.sizes.get(size) ?? 0).toBeGreaterThan(CHUNKS * PER_CHUNK * 0.15);
    for (const mix of Object.keys(MIXES)) expect(totals.mixes.get(mix) ?? 0).toBeGreaterThan(CHUNKS * PER_CHUNK * 0.1);
  });
});
