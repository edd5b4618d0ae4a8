// The cold benchmarks must time real requests: puts answered `ok` through every replica's
// step, gets answered by our leader and by the floor fixture.
import { expect, test } from "bun:test";
import { ColdGets } from "../bench/cold-gets.ts";
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

test("the cold get benchmark times our leader's whole get and the floor fixture's, each answered", async () => {
  const gets = new ColdGets(new ColdPuts());
  const before = gets.replies;
  const sample = await gets.sample(3, 1);
  for (const us of [sample.oursUs, sample.floorUs, ...Object.values(sample.steps)]) expect(us).toBeGreaterThan(0);
  // Nine gets (three of ours, three of the floor's, three of ours step by step), each
  // answered: ours() throws unless our leader answered ok with the value put.
  expect(gets.replies).toBe(before + 9);
});
