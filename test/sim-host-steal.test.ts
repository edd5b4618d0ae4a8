// Host CPU steal per run: parsed from /proc/stat, per sampling window and over the run,
// and summed up over a suite's runs.
import { describe, expect, test } from "bun:test";
import { parseCpuTimes, StealSampler, stealPercent, type CpuTimes } from "../src/sim/host-steal.ts";
import type { RunReport } from "../src/sim/report.ts";
import { formatSteal, stealSummary } from "../src/sim/summary.ts";

// A real /proc/stat head: user nice system idle iowait irq softirq steal guest guest_nice.
const PROC_STAT = "cpu  4705 150 1120 16250 520 0 26 300 100 0\ncpu0 2300 75 560 8125 260 0 13 150 50 0\nintr 1 2 3\n";

describe("parseCpuTimes", () => {
  test("steal is the eighth number; the total leaves out guest time, already in user and nice", () => {
    expect(parseCpuTimes(PROC_STAT)).toEqual({ steal: 300, total: 4705 + 150 + 1120 + 16250 + 520 + 0 + 26 + 300 });
  });

  test("a file without the aggregate cpu line, or a short or garbled one, gives null", () => {
    expect(parseCpuTimes("cpu0 1 2 3 4 5 6 7 8\n")).toBeNull();
    expect(parseCpuTimes("cpu  1 2 3 4 5 6 7\n")).toBeNull();
    expect(parseCpuTimes("cpu  1 2 3 x 5 6 7 8\n")).toBeNull();
    expect(parseCpuTimes("")).toBeNull();
  });
});

describe("stealPercent", () => {
  test("steal ticks over all ticks between two readings", () => {
    expect(stealPercent({ steal: 10, total: 1000 }, { steal: 30, total: 2000 })).toBeCloseTo(2, 9);
    expect(stealPercent({ steal: 10, total: 1000 }, { steal: 10, total: 1000 })).toBeNull();
  });
});

describe("StealSampler", () => {
  const reader = (readings: (CpuTimes | null)[]) => () => readings.shift() ?? null;

  test("the worst window and the run's mean, from the readings between start and stop", () => {
    // Windows: 0% (1000 ticks), 10% (100 of 1000), 1% (10 of 1000); run: 110 of 3000.
    const sampler = new StealSampler(reader([{ steal: 0, total: 0 }, { steal: 0, total: 1000 }, { steal: 100, total: 2000 }, { steal: 110, total: 3000 }]));
    sampler.sample();
    sampler.sample();
    const steal = sampler.stop()!;
    expect(steal.maxPercent).toBeCloseTo(10, 9);
    expect(steal.meanPercent).toBeCloseTo((100 * 110) / 3000, 9);
  });

  test("a failed reading in between is skipped; none at the start means no figure", () => {
    const sampler = new StealSampler(reader([{ steal: 0, total: 0 }, null, { steal: 50, total: 1000 }]));
    sampler.sample();
    expect(sampler.stop()).toEqual({ meanPercent: 5, maxPercent: 5 });
    expect(new StealSampler(reader([null, { steal: 1, total: 10 }])).stop()).toBeNull();
  });
});

describe("stealSummary", () => {
  const run = (scenario: string, seed: number, maxPercent: number | null) =>
    ({ scenario, seed, extras: { hostSteal: maxPercent === null ? null : { meanPercent: maxPercent / 4, maxPercent } } }) as unknown as RunReport;

  test("names the worst run, floor runs marked, and counts runs over 1%", () => {
    const summary = stealSummary([run("simple-1", 1, 0.4), run("simple-2", 3, 2.5), run("crash-1", 2, null)], [run("simple-1", 1, 6.2)]);
    expect(summary).toEqual({ runs: 3, maxPercent: 6.2, worstRun: "floor:simple-1#1", runsOver1Percent: 2, maxMeanPercent: 6.2 / 4 });
    expect(formatSteal(summary)).toBe("Host CPU steal (3 runs): worst second 6.2% (floor:simple-1#1), 2 of 3 runs over 1% in their worst second, at most 1.6% over a whole run");
  });

  test("no run measured it", () => {
    expect(stealSummary([run("simple-1", 1, null)])).toBeNull();
    expect(formatSteal(null)).toBe("Host CPU steal: not measured (no /proc/stat)");
  });
});
