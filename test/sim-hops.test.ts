import { describe, expect, test } from "bun:test";
import { formatHops, summarizeHops, type CrossingSplit } from "../src/sim/hops.ts";
import { parseTrace } from "../src/sim/trace.ts";
import { loadScenario, withLifetime } from "../src/sim/scenario.ts";
import { runVirtual } from "../src/sim/virtual-run.ts";

const entry = (mid: string) => [1, "k", "v", "0015", mid];

/** One put along the chain 0000 -> 0001 -> 0002 -> 0000, and one get, at known times. */
const TRACE = [
  "# origin 1000000.000",
  `1.000000 to 0000: ${JSON.stringify({ src: "0015", dst: "0000", leader: "0000", type: "put", MID: "p1", key: "k", value: "v" })}`,
  `1.000200 from 0000: ${JSON.stringify({ src: "0000", dst: "0001", leader: "0000", type: "append", relayTo: "0002", entries: [entry("p1")] })}`,
  `1.000210 to 0001: ${JSON.stringify({ src: "0000", dst: "0001", leader: "0000", type: "append", relayTo: "0002", entries: [entry("p1")] })}`,
  `1.000500 from 0001: ${JSON.stringify({ src: "0001", dst: "0002", leader: "0000", type: "append", relay: { leader: "0000", match: 1 }, entries: [entry("p1")] })}`,
  `1.000520 to 0002: ${JSON.stringify({ src: "0001", dst: "0002", leader: "0000", type: "append", relay: { leader: "0000", match: 1 }, entries: [entry("p1")] })}`,
  `1.000600 from 0002: ${JSON.stringify({ src: "0002", dst: "0000", leader: "0000", type: "appended", success: true, match: 1 })}`,
  `1.000610 to 0000: ${JSON.stringify({ src: "0002", dst: "0000", leader: "0000", type: "appended", success: true, match: 1 })}`,
  `1.000700 from 0000: ${JSON.stringify({ src: "0000", dst: "0015", leader: "0000", type: "ok", MID: "p1" })}`,
  "not a packet line",
  `2.000000 to 0000: ${JSON.stringify({ src: "0016", dst: "0000", leader: "0000", type: "get", MID: "g1", key: "k" })}`,
  `2.000250 from 0000: ${JSON.stringify({ src: "0000", dst: "0016", leader: "0000", type: "ok", MID: "g1", value: "v" })}`,
];

/**
 * Each replica's own times for TRACE, on the shared clock (origin 1000000 ms): 0000 reads
 * the put 40 µs after delivery and writes its append 100 µs later; 0001 wakes in 90 µs
 * and works 150; 0002 wakes in 30 and works 40; 0000 wakes in 20 and works 60 on the
 * answer, and wakes in 50 and works 120 on the get.
 */
const TIMES = new Map([
  ["0000", { received: [1001000.04, 1001000.63, 1002000.05], sent: [1001000.14, 1001000.69, 1002000.17] }],
  ["0001", { received: [1001000.3], sent: [1001000.45] }],
  ["0002", { received: [1001000.55], sent: [1001000.59] }],
]);

describe("hops: where a request's time goes", () => {
  test("a put's five crossings and a get's two, from a hand-written trace", () => {
    const s = summarizeHops(parseTrace(TRACE));
    expect(s.puts).toBe(1);
    expect(s.chainPuts).toBe(1);
    expect(s.putStages.leader).toBeCloseTo(0.2, 6);
    expect(s.putStages.relay).toBeCloseTo(0.3, 6);
    expect(s.putStages.chainEnd).toBeCloseTo(0.1, 6);
    expect(s.putStages.answer).toBeCloseTo(0.1, 6);
    expect(s.putStages.total).toBeCloseTo(0.7, 6);
    expect(s.gets).toBe(1);
    expect(s.getTotal).toBeCloseTo(0.25, 6);
    expect(formatHops(s)).toContain("1 answered along a clean relay chain");
    expect(s.split).toBeUndefined();
  });

  test("with the replicas' times, each crossing splits into simulator, wake-up, work and the way back", () => {
    const s = summarizeHops(parseTrace(TRACE), { origin: 1_000_000, byReplica: TIMES });
    const split = s.split!;
    expect(split.unmatched).toEqual([]);
    const expectSplit = (got: CrossingSplit, want: [number, number, number, number]) =>
      [got.simulator, got.wake, got.work, got.back].forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    expectSplit(split.putStages.leader, [0, 0.04, 0.1, 0.06]);
    expectSplit(split.putStages.relay, [0.01, 0.09, 0.15, 0.05]);
    expectSplit(split.putStages.chainEnd, [0.02, 0.03, 0.04, 0.01]);
    expectSplit(split.putStages.answer, [0.01, 0.02, 0.06, 0.01]);
    expectSplit(split.get, [0, 0.05, 0.12, 0.08]);
    expect(split.directPut.count).toBe(0);
    expect(formatHops(s)).toContain("wake 0.090  work 0.150  back 0.050");
  });

  test("a replica whose times do not match the trace packet for packet is left out of the split", () => {
    const short = new Map(TIMES);
    short.set("0001", { received: [], sent: [1001000.45] });
    const split = summarizeHops(parseTrace(TRACE), { origin: 1_000_000, byReplica: short }).split!;
    expect(split.unmatched).toEqual(["0001"]);
    expect(split.putStages.relay.count).toBe(0);
    expect(split.putStages.leader.count).toBe(1);
  });

  test("a put answered before any replication (the latency floor's) is counted apart", () => {
    const floor = [TRACE[1]!, `1.000150 from 0000: ${JSON.stringify({ src: "0000", dst: "0015", leader: "0000", type: "ok", MID: "p1" })}`];
    const s = summarizeHops(parseTrace(floor));
    expect(s).toMatchObject({ puts: 1, chainPuts: 0, directPuts: 1 });
    expect(s.directPutTotal).toBeCloseTo(0.15, 6);
  });

  test("a crossing is joined to the delivery of the very packet read, not a later one like it", () => {
    // The chain end's answer is dropped; a later answer of its (match 2) is delivered.
    const dropped = [
      ...TRACE.slice(0, 7),
      `1.000900 from 0002: ${JSON.stringify({ src: "0002", dst: "0000", leader: "0000", type: "appended", success: true, match: 2 })}`,
      `1.000910 to 0000: ${JSON.stringify({ src: "0002", dst: "0000", leader: "0000", type: "appended", success: true, match: 2 })}`,
      TRACE[8]!,
    ];
    expect(summarizeHops(parseTrace(dropped))).toMatchObject({ puts: 1, chainPuts: 0 });
  });

  test("a put answered by redirect is not counted as a chain put", () => {
    const redirected = [TRACE[1]!, `1.000100 from 0000: ${JSON.stringify({ src: "0000", dst: "0015", leader: "0001", type: "redirect", MID: "p1" })}`];
    expect(summarizeHops(parseTrace(redirected))).toMatchObject({ puts: 1, chainPuts: 0 });
  });

  test("a deterministic run's trace: nearly every put of simple-2 goes along a chain", () => {
    const lines: string[] = [];
    const scenario = withLifetime(loadScenario("simple-2"), 8);
    runVirtual(scenario, 1, { trace: (line) => lines.push(line) });
    const s = summarizeHops(parseTrace(lines));
    expect(s.puts).toBeGreaterThan(50);
    expect(s.chainPuts).toBeGreaterThan(0.9 * s.puts);
    for (const stage of [s.putStages.leader, s.putStages.relay, s.putStages.chainEnd, s.putStages.answer]) {
      expect(stage).toBeGreaterThan(0);
      expect(stage).toBeLessThan(s.putStages.total);
    }
  });
});
