// Seeded randomized histories: linearizable by construction must be accepted; a single
// read mutated to a provably impossible value must be rejected, naming its key.

import { describe, expect, test } from "bun:test";
import { checkHistory, randomLinearizableHistory, seededRandom, type Operation } from "../src/check/index.ts";

// CHECK_SEEDS=20000 bun test test/check-random.test.ts for a longer soak.
const SEEDS = Number(process.env.CHECK_SEEDS ?? 400);

function optionsFor(seed: number) {
  const rand = seededRandom(seed ^ 0x5eed);
  const pick = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  return {
    clients: pick(1, 6),
    opsPerClient: pick(2, 40),
    keys: pick(1, 3),
    putRatio: 0.2 + rand() * 0.6,
    unknownRatio: rand() < 0.5 ? 0 : rand() * 0.3,
    values: rand() < 0.5 ? 0 : pick(1, 4),
    maxGap: pick(0, 10),
    maxDuration: pick(0, 20),
  };
}

/**
 * Values the get could not have returned in any linearization, by interval reasoning alone:
 * every write of the value either started after the get returned, or was followed by another
 * acknowledged write that completed before the get began.
 */
function impossibleValues(g: Operation, history: readonly Operation[], initialValue: string): string[] {
  const puts = history.filter((op) => op.key === g.key && op.kind === "put");
  const ret = (op: Operation): number => (op.outcome === "ok" ? (op.ret as number) : Number.POSITIVE_INFINITY);
  const overwrittenBefore = (end: number, v: string): boolean =>
    puts.some((w) => w.outcome === "ok" && w.value !== v && end < w.call && ret(w) < g.call);
  const candidates = new Set(puts.map((p) => p.value as string));
  candidates.add(initialValue);
  return [...candidates].filter((v) => {
    if (v === (g.value ?? initialValue)) return false;
    const sources = puts.filter((p) => p.value === v);
    const initialOk = v === initialValue && !overwrittenBefore(Number.NEGATIVE_INFINITY, v);
    return !initialOk && sources.every((p) => p.call > ret(g) || overwrittenBefore(ret(p), v));
  });
}

describe("randomized histories", () => {
  test(`${SEEDS} seeds: linearizable accepted, impossible read rejected`, () => {
    let mutated = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const history = randomLinearizableHistory(seed, optionsFor(seed));
      const verdict = checkHistory(history);
      if (verdict.ok !== true) throw new Error(`seed ${seed}: linearizable history rejected: ${JSON.stringify(verdict)}`);

      const rand = seededRandom(seed * 7919);
      const gets = history.filter((op) => op.kind === "get" && op.outcome === "ok");
      for (let tries = 0; tries < 10 && gets.length > 0; tries++) {
        const g = gets[Math.floor(rand() * gets.length)] as Operation;
        const impossible = rand() < 0.1 ? ["never-written"] : impossibleValues(g, history, "");
        if (impossible.length === 0) continue;
        const value = impossible[Math.floor(rand() * impossible.length)] as string;
        const broken = history.map((op) => (op === g ? { ...op, value } : op));
        const result = checkHistory(broken);
        if (result.ok !== false || result.key !== g.key) {
          throw new Error(`seed ${seed}: mutated read ${JSON.stringify(g)} -> ${JSON.stringify(value)} not caught: ${JSON.stringify(result)}`);
        }
        mutated++;
        break;
      }
    }
    console.log(`randomized: ${SEEDS} linearizable histories accepted, ${mutated} mutated histories rejected`);
    expect(mutated).toBeGreaterThan(SEEDS / 2);
  });
});
