// Cross-checks the search against an independent brute-force enumeration of every
// real-time-respecting order, on small random histories that are often not linearizable.

import { expect, test } from "bun:test";
import { checkHistory, seededRandom, type Operation } from "../src/check/index.ts";
import { partitionByKey } from "../src/check/partition.ts";
import { searchKey } from "../src/check/search.ts";

/** True if some total order respecting real time makes every read return the latest write. */
function bruteForce(history: readonly Operation[], initialValue: string): boolean {
  const ops = history
    .filter((op) => !(op.kind === "get" && op.outcome === "unknown"))
    .map((op) => ({ op, ret: op.outcome === "ok" ? (op.ret as number) : Number.POSITIVE_INFINITY }));
  const keys = new Set(ops.map(({ op }) => op.key));
  for (const key of keys) {
    const mine = ops.filter(({ op }) => op.key === key);
    const used = new Array<boolean>(mine.length).fill(false);
    const place = (placed: number, state: string): boolean => {
      if (placed === mine.length) return true;
      for (let i = 0; i < mine.length; i++) {
        if (used[i]) continue;
        const { op } = mine[i] as (typeof mine)[number];
        // Minimal: no other unplaced op returned strictly before this one was called.
        if (mine.some((o, j) => !used[j] && j !== i && o.ret < op.call)) continue;
        if (op.kind === "get" && (op.value ?? initialValue) !== state) continue;
        used[i] = true;
        const ok = place(placed + 1, op.kind === "put" ? (op.value as string) : state);
        used[i] = false;
        if (ok) return true;
      }
      return false;
    };
    if (!place(0, initialValue)) return false;
  }
  return true;
}

function randomSmallHistory(seed: number): Operation[] {
  const rand = seededRandom(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const ops: Operation[] = [];
  const n = 1 + int(9);
  for (let i = 0; i < n; i++) {
    const call = int(12);
    const unknown = rand() < 0.15;
    const op: Operation = {
      client: `c${i}`,
      kind: rand() < 0.5 ? "put" : "get",
      key: rand() < 0.8 ? "x" : "y",
      call,
      ret: unknown ? undefined : call + int(6),
      outcome: unknown ? "unknown" : "ok",
    };
    const v = int(4);
    if (op.kind === "put" || v > 0) op.value = v === 0 ? "" : `${v}`;
    ops.push(op);
  }
  return ops;
}

// CHECK_SEEDS=100000 bun test test/check-bruteforce.test.ts for a longer soak.
const SEEDS = Number(process.env.CHECK_SEEDS ?? 3000);

test(`agrees with brute force on ${SEEDS} small random histories`, () => {
  let violations = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const history = randomSmallHistory(seed);
    const expected = bruteForce(history, "");
    const result = checkHistory(history);
    if ((result.ok === true) !== expected) {
      console.log(`seed ${seed}: checker says ${JSON.stringify(result)}, brute force says ${expected}\n${JSON.stringify(history)}`);
    }
    expect(result.ok).toBe(expected);
    // The search alone too, without the interval pre-pass that catches most violations first.
    const searched = [...partitionByKey(history, "").values()].every((ops) => searchKey(ops, "", 1e6).verdict === "ok");
    if (searched !== expected) console.log(`seed ${seed}: search alone says ${searched}, brute force ${expected}`);
    expect(searched).toBe(expected);
    if (!expected) violations++;
  }
  console.log(`brute force: ${SEEDS} histories, ${violations} non-linearizable`);
  expect(violations).toBeGreaterThan(SEEDS / 10);
});
