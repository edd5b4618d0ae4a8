import { describe, expect, test } from "bun:test";
import { formatHops, summarizeHops } from "../src/sim/hops.ts";
import { parseTrace } from "../src/sim/trace.ts";
import { loadScenario, withLifetime } from "../src/sim/scenario.ts";
import { runVirtual } from "../src/sim/virtual-run.ts";

const entry = (mid: string) => [1, "k", "v", "0015", mid];

/** One put along the chain 0000 -> 0001 -> 0002 -> 0000, and one get, at known times. */
const TRACE = [
  `1.000000 to 0000: ${JSON.stringify({ src: "0015", dst: "0000", leader: "0000", type: "put", MID: "p1", key: "k", value: "v" })}`,
  `1.000200 from 0000: ${JSON.stringify({ src: "0000", dst: "0001", leader: "0000", type: "append", relayTo: "0002", entries: [entry("p1")] })}`,
  `1.000200 to 0001: ${JSON.stringify({ src: "0000", dst: "0001", leader: "0000", type: "append", relayTo: "0002", entries: [entry("p1")] })}`,
  `1.000500 from 0001: ${JSON.stringify({ src: "0001", dst: "0002", leader: "0000", type: "append", relay: { leader: "0000", match: 1 }, entries: [entry("p1")] })}`,
  `1.000600 from 0002: ${JSON.stringify({ src: "0002", dst: "0000", leader: "0000", type: "appended", success: true, match: 1 })}`,
  `1.000700 from 0000: ${JSON.stringify({ src: "0000", dst: "0015", leader: "0000", type: "ok", MID: "p1" })}`,
  "not a packet line",
  `2.000000 to 0000: ${JSON.stringify({ src: "0016", dst: "0000", leader: "0000", type: "get", MID: "g1", key: "k" })}`,
  `2.000250 from 0000: ${JSON.stringify({ src: "0000", dst: "0016", leader: "0000", type: "ok", MID: "g1", value: "v" })}`,
];

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
  });

  test("a put answered by redirect is not counted as a chain put", () => {
    const redirected = [TRACE[0]!, `1.000100 from 0000: ${JSON.stringify({ src: "0000", dst: "0015", leader: "0001", type: "redirect", MID: "p1" })}`];
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
