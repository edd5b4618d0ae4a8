// Boundary fuzzing at test size: 10,000 random and mutated packets through decode() into a
// live cluster (the full 100,000: `bun run fuzz`).
import { expect, test } from "bun:test";
import { fuzzBoundary } from "../src/dst/fuzz.ts";
import { MUTATIONS } from "../src/dst/mutate.ts";
import { seededRandom } from "../src/util/prng.ts";
import { decode } from "../src/wire/schema.ts";

test("10,000 fuzzed packets: nothing throws, invariants hold, the cluster still answers correctly", () => {
  const report = fuzzBoundary({ packets: 10_000, seed: 7 });
  console.log(report.summary);
  expect(report.problems).toEqual([]);
  expect(report.packets).toBe(10_000);
  // Both paths were exercised: most packets are rejected, some get through.
  expect(report.rejected).toBeGreaterThan(5_000);
  expect(report.decoded).toBeGreaterThan(200);
}, 60_000);

test("every mutation yields a packet decode() answers without throwing", () => {
  const random = seededRandom(3);
  const valid = '{"src":"0001","dst":"0002","leader":"0001","type":"append","quiet":false,"term":3,"prevIndex":5,"prevTerm":2,"commit":4,"sentAt":1.5,"entries":[[3,"k","v","0017","m1"],[3]]}';
  expect(decode(valid).ok).toBe(true);
  for (const [name, mutation] of Object.entries(MUTATIONS)) {
    for (let i = 0; i < 50; i++) {
      const packet = mutation(valid, random);
      expect(() => decode(packet), name).not.toThrow();
    }
  }
});
