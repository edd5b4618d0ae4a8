// The JIT warm-up drives the real replica code on a throwaway cluster: every operation
// must be answered ok (so the put path, relay chain included, really ran), and it must
// stop within its budget.
import { expect, test } from "bun:test";
import { warmUpFromEnv } from "../src/config-env.ts";
import { DEFAULT_WARM_UP, WarmUp, warmUp } from "../src/replica/warmup.ts";

test("every warm-up operation is answered ok", () => {
  const warm = new WarmUp(300);
  let steps = 0;
  while (warm.step()) steps++;
  expect(steps).toBe(300);
  expect(warm.completed).toBe(300);
});

test("warmUp() runs in slices and stops at its budget", async () => {
  // A clock that jumps 10 ms per reading: every slice ends after one operation, and the
  // 50 ms budget after a handful of slices, long before 100,000 operations are done.
  let fake = 0;
  const answered = await warmUp({ ...DEFAULT_WARM_UP, delayMs: 0, operations: 100_000, budgetMs: 50, sliceMs: 5 }, () => (fake += 10));
  expect(answered).toBeGreaterThan(0);
  expect(answered).toBeLessThan(20);
});

test("KV_WARMUP: a whole number, 0 for off, anything else refused", () => {
  expect(warmUpFromEnv(undefined, 800)).toEqual({ ok: true, operations: 800 });
  expect(warmUpFromEnv("0", 800)).toEqual({ ok: true, operations: 0 });
  expect(warmUpFromEnv(" 1500 ", 800)).toEqual({ ok: true, operations: 1500 });
  for (const bad of ["-1", "1e3", "many", "12.5", "9999999"]) expect(warmUpFromEnv(bad, 800).ok).toBe(false);
});
