// The cold benchmark's put must be a real one: answered `ok` through every replica's step.
import { expect, test } from "bun:test";
import { ColdPuts } from "../bench/cold.ts";

test("the cold benchmark times whole puts, each answered ok", async () => {
  const warmPuts = 200;
  const timedPuts = 5;
  const puts = new ColdPuts();
  for (let i = 0; i < warmPuts; i++) puts.put();
  const sample = await puts.sample(timedPuts, 1);
  expect(sample.medianUs).toBeGreaterThan(0);
  expect(sample.p90Us).toBeGreaterThanOrEqual(sample.medianUs);
  expect(Number.isFinite(sample.cpuMsPerSecond)).toBe(true);
  // Every put went through the whole cluster and came back ok (put() also throws if not).
  expect(puts.answered).toBe(warmPuts + timedPuts);
});
