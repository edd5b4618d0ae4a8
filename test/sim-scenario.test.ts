// Scenario files: the 17 official ones load and match SPEC §4; bad files are refused with
// the file, the field and the rule; --lifetime scaling; CLI and --seeds parsing.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCli } from "../src/sim/cli.ts";
import { loadScenario, OFFICIAL_SCENARIOS, parseScenario, withLifetime } from "../src/sim/scenario.ts";
import { parseSeeds } from "../src/sim/seeds.ts";
import { tierOf } from "../src/sim/verdict.ts";

describe("official scenarios", () => {
  test("all 17 load with lifetime 30 and 5 replicas", () => {
    expect(OFFICIAL_SCENARIOS).toHaveLength(17);
    for (const name of OFFICIAL_SCENARIOS) {
      const s = loadScenario(name);
      expect(s.name).toBe(name);
      expect([s.lifetime, s.replicas, s.startWait]).toEqual([30, 5, 2]);
      expect(Object.keys(s.benchmarks).sort()).toEqual(["duplicates", "failures", "median_latency", "total_msgs"]);
    }
  });

  test("spot checks against the SPEC §4 table", () => {
    const a3 = loadScenario("advanced-3");
    expect([a3.requests, a3.mix, a3.drops, a3.endWait]).toEqual([200, 0.2, 0.3, 10]);
    expect(a3.events).toEqual([{ type: "kill_leader", time: 5 }]);
    expect(a3.benchmarks.median_latency).toEqual([0.0002, 0.005, 0.1]);
    const s1 = loadScenario("simple-1");
    expect([s1.requests, s1.mix, s1.drops, s1.events.length]).toEqual([500, 0.8, 0, 0]);
    expect(s1.benchmarks.total_msgs).toEqual([1200, 3000, 5000]);
    expect(loadScenario("partition-4").events.map((e) => `${e.type}@${e.time}`)).toEqual(["part_hard@5", "part_end@10", "part_hard@18", "part_end@23"]);
    expect(loadScenario("crash-4").benchmarks.failures).toEqual([1, 4, 10]);
    expect(loadScenario("advanced-4").events).toHaveLength(7);
  });

  test("defaults fill what a file leaves out", () => {
    const s = parseScenario({ lifetime: 5, replicas: 3, requests: 0 }, "x.json");
    expect([s.mix, s.startWait, s.endWait, s.drops, s.maxPackets, s.seed]).toEqual([0.8, 2, 2, 0, 20000, undefined]);
    expect([s.maxGetFailFraction, s.maxPutFailFraction, s.maxGetGenerationFailFraction, s.maxAppendsBatchedFraction]).toEqual([0.5, 0.5, 0.1, 0.5]);
  });
});

describe("validation errors name the file, the field and the rule", () => {
  const base = { lifetime: 30, replicas: 5, requests: 10 };
  const cases: [string, Record<string, unknown>, string, string][] = [
    ["missing lifetime", { replicas: 5, requests: 1 }, "lifetime", "required"],
    ["short lifetime", { ...base, lifetime: 4 }, "lifetime", "at least 5"],
    ["too few replicas", { ...base, replicas: 2 }, "replicas", "between 3 and 21"],
    ["fractional replicas", { ...base, replicas: 4.5 }, "replicas", "integer"],
    ["negative requests", { ...base, requests: -1 }, "requests", "negative"],
    ["mix above 1", { ...base, mix: 1.5 }, "mix", "between 0 and 1"],
    ["unknown event", { ...base, events: [{ type: "explode", time: 3 }] }, "events.0.type", "one of"],
    ["late event", { ...base, events: [{ type: "part_end", time: 3 }, { type: "part_end", time: 31 }] }, "events", "lifetime"],
    ["two tiers", { ...base, tests: { benchmarks: { total_msgs: [1, 2] } } }, "tests.benchmarks.total_msgs", "three tiers"],
    ["tiers out of order", { ...base, tests: { benchmarks: { failures: [3, 2, 1] } } }, "tests.benchmarks.failures", "in order"],
    ["typo", { ...base, lifetme: 30 }, "lifetme", "unknown field"],
    ["waits too long", { ...base, start_wait: 20, end_wait: 10 }, "start_wait", "less than lifetime"],
    ["max_packets below requests", { ...base, max_packets: 5 }, "max_packets", "at least requests"],
  ];
  test.each(cases)("%s", (_name, input, field, rule) => {
    expect(() => parseScenario(input, "dir/bad.json")).toThrow(/dir\/bad\.json/);
    try {
      parseScenario(input, "dir/bad.json");
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(`field ${field}`);
      expect(message).toContain(rule);
    }
  });

  test("a file that is not JSON, and a name that is no scenario", () => {
    const dir = mkdtempSync(join(tmpdir(), "kvsim-test-"));
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ lifetime: ");
    try {
      expect(() => loadScenario(file)).toThrow(/broken\.json: not valid JSON/);
      expect(() => loadScenario("no-such-scenario")).toThrow(/not an official scenario name/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("--lifetime scaling", () => {
  test("requests, events, end_wait and message tiers scale; start_wait stays", () => {
    const s = withLifetime(loadScenario("crash-4"), 9);
    const g = (9 - 2) / 28;
    expect(s.lifetime).toBe(9);
    expect(s.startWait).toBe(2);
    expect(s.requests).toBe(Math.round(300 * g));
    expect(s.events.map((e) => e.time)).toEqual([8 * g, 16 * g]);
    expect(s.endWait).toBeCloseTo(2 * g);
    expect(s.benchmarks.total_msgs?.[1]).toBeCloseTo(4000 * 0.3);
    expect(s.benchmarks.failures).toEqual([1, 4, 10]);
    for (const name of OFFICIAL_SCENARIOS) {
      const x = withLifetime(loadScenario(name), 8);
      for (const e of x.events) expect(x.startWait + e.time).toBeLessThan(8);
    }
  });
  test("a lifetime not past start_wait is refused", () => {
    expect(() => withLifetime(loadScenario("simple-1"), 2)).toThrow(/start_wait/);
    expect(() => loadScenario("simple-1", { lifetime: 2 })).toThrow(/start_wait/);
  });
  test("loadScenario with a lifetime is withLifetime of the scenario; without one, the scenario as written", () => {
    expect(loadScenario("crash-4", { lifetime: 9 })).toEqual(withLifetime(loadScenario("crash-4"), 9));
    expect(loadScenario("crash-4", { lifetime: undefined }).lifetime).toBe(30);
  });
});

describe("tiers", () => {
  test("strictly below each threshold; a tier of 0 can never be beaten", () => {
    const t = [0, 2, 5] as const;
    expect([0, 1, 2, 4, 5, 9].map((v) => tierOf(v, t))).toEqual(["Passed", "Passed", "Partial", "Partial", "Failed", "Failed"]);
    expect(tierOf(0.0003, [0.0004, 0.002, 0.05])).toBe("Bonus");
  });
});

describe("command lines", () => {
  test("sim options are validated", () => {
    expect(parseCli(["simple-1", "--seed", "7", "--lifetime", "8.5", "--quiet"])).toMatchObject({ scenario: "simple-1", seed: 7, lifetime: 8.5, quiet: true });
    expect(parseCli(["simple-2", "--trace", "/tmp/t.txt"])).toMatchObject({ scenario: "simple-2", trace: "/tmp/t.txt" });
    expect(parseCli(["simple-2", "--trace", "/tmp/t.txt", "--times", "/tmp/t.d"])).toMatchObject({ trace: "/tmp/t.txt", times: "/tmp/t.d" });
    expect(() => parseCli(["simple-2", "--times", "/tmp/t.d"])).toThrow("--times needs --trace");
    expect(parseCli(["-h"])).toBe("help");
    expect(() => parseCli([])).toThrow(/exactly one scenario/);
    expect(() => parseCli(["a", "b"])).toThrow(/exactly one scenario/);
    expect(() => parseCli(["a", "--seed", "x"])).toThrow(/--seed must be an integer/);
    expect(() => parseCli(["a", "--seed", "1.5"])).toThrow(/--seed/);
    expect(() => parseCli(["a", "--lifetime", "0"])).toThrow(/--lifetime/);
    expect(() => parseCli(["a", "--bogus"])).toThrow();
  });
  test("--seeds lists and ranges", () => {
    expect(parseSeeds("1-5")).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeeds("3")).toEqual([3]);
    expect(parseSeeds("1,4,9-11")).toEqual([1, 4, 9, 10, 11]);
    expect(() => parseSeeds("5-1")).toThrow(/backwards/);
    expect(() => parseSeeds("a")).toThrow(/not a seed/);
  });
});
