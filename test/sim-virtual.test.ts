// The official scenarios on virtual time (src/sim/virtual-run.ts): the simulator's own
// rules around in-process replicas. Deterministic, so these are exact checks of seeds.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatFailedChecks, formatReplayTable, replayRow } from "../src/sim/replay.ts";
import { formatLeftovers } from "../src/sim/report.ts";
import { loadScenario, OFFICIAL_SCENARIOS } from "../src/sim/scenario.ts";
import { metricOf } from "../src/sim/summary.ts";
import { GENERATION_CHECK, judge } from "../src/sim/verdict.ts";
import { runVirtual } from "../src/sim/virtual-run.ts";

const SEEDS = [1, 2, 3, 4, 5];

describe("official scenarios on virtual time", () => {
  for (const name of OFFICIAL_SCENARIOS) {
    const scenario = loadScenario(name);
    const partitioned = scenario.events.some((e) => e.type.startsWith("part_"));
    test(`${name}: every seed correct; no failures without a partition, no duplicates without events`, () => {
      const reports = SEEDS.map((seed) => runVirtual(scenario, seed));
      const row = replayRow(scenario, reports);
      expect(row.notCorrect, `${name}: ${row.notCorrect.join("; ")}`).toEqual([]);
      for (const report of reports) {
        if (!partitioned) expect(metricOf(report, "failures"), `${name} seed ${report.seed}: failures`).toBe(0);
        if (scenario.events.length === 0) expect(metricOf(report, "duplicates"), `${name} seed ${report.seed}: duplicates`).toBe(0);
      }
    });
  }

  test("advanced-3 seed 7463 stays correct, with no failures and no duplicates", () => {
    // A leader under 30% loss that held its loss evidence back (cf86f73's first cut)
    // stayed on relay chains, silent, until it was killed with 23 puts unanswered, and
    // its successor read one of them (an incorrect get).
    const report = runVirtual(loadScenario("advanced-3"), 7463);
    expect(report.verdict.correct, "advanced-3 seed 7463").toBe(true);
    expect(metricOf(report, "failures"), "advanced-3 seed 7463: failures").toBe(0);
    expect(metricOf(report, "duplicates"), "advanced-3 seed 7463: duplicates").toBe(0);
  });

  test("a replay says how many runs failed which check", () => {
    const scenario = loadScenario("simple-1");
    const good = runVirtual(scenario, 1);
    // Two runs marked as failing checks (the first two, then only the second).
    const failing = (names: string[]) => ({
      ...good,
      verdict: { ...good.verdict, correct: false, checks: good.verdict.checks.map((c) => (names.includes(c.name) ? { ...c, ok: false } : c)) },
    });
    const [first, second] = good.verdict.checks.map((c) => c.name);
    const row = replayRow(scenario, [good, failing([first!, second!]), failing([second!])]);
    expect(row.correct).toBe(1);
    expect(row.failedChecks).toEqual({ [first!]: 1, [second!]: 2 });
    expect(formatFailedChecks([row])).toEqual([`simple-1: 2 not correct; 1 failed "${first}", 2 failed "${second}"`]);
    expect(formatFailedChecks([replayRow(scenario, [good])])).toEqual([]);
  });

  test("a replay tells runs that fail the get-generation check by the scenario's draw from those a faster replica would pass", () => {
    const scenario = loadScenario("advanced-3");
    const run = runVirtual(scenario, 1);
    // 30 gets allow 3 that fail to generate; 5 did, 0 or 3 of them while a put awaited its answer.
    const generating = (awaiting: number) => {
      const stats = { ...run.stats, totalGet: 30, getGenerationFailures: 5, getGenerationFailuresAwaitingPut: awaiting };
      return { ...run, stats, verdict: judge(scenario, { ...stats, latencies: { get: [], put: [] } }, 0) };
    };
    const [byDraw, ours] = [generating(0), generating(3)];
    expect(byDraw.verdict.correct).toBe(false);
    expect(ours.verdict.checks.find((c) => c.name === GENERATION_CHECK)?.detail).toBe("5 ≤ 30 × 0.1; 3 while a put of the client's awaited its answer");
    const row = replayRow(scenario, [run, byDraw, ours]);
    expect(row.notCorrectByDraw).toBe(1);
    expect(formatFailedChecks([row])).toEqual([`advanced-3: 2 not correct; 2 failed "${GENERATION_CHECK}"; 1 of them fail it with any replica (their clients' first requests were gets)`]);
  });

  test("a run names its unanswered requests and duplicate replies: the first five, then how many more", () => {
    const unanswered = Array.from({ length: 7 }, (_, i) => ({ client: "0015", MID: `M${i}`, type: "put" as const, key: "k", sentAt: i, to: "0001" }));
    const duplicateReplies = [{ client: "0016", MID: "D", at: 2.5, from: "0002" }];
    const lines = formatLeftovers({ unanswered, duplicateReplies });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toStartWith("unanswered: put M0 from 0015, sent at 0.000s to 0001; put M1");
    expect(lines[0]).toEndWith("put M4 from 0015, sent at 4.000s to 0001; … and 2 more");
    expect(lines[1]).toBe("duplicate replies: D to 0016, from 0002 at 2.500s");
    expect(formatLeftovers({ unanswered: [], duplicateReplies: [] })).toEqual([]);
  });

  test("replay --trace writes a single run's packets as the virtual run sees them, and only for one run", () => {
    const dir = mkdtempSync(join(tmpdir(), "kv-replay-trace-"));
    try {
      const file = join(dir, "trace.txt");
      const replay = (...args: string[]) => Bun.spawnSync([process.execPath, "src/sim/replay.ts", ...args], { cwd: join(import.meta.dir, "..") });
      expect(replay("crash-3", "--seeds", "1", "--trace", file).exitCode).toBe(0);
      const lines: string[] = [];
      runVirtual(loadScenario("crash-3"), 1, { trace: (line) => lines.push(line) });
      expect(readFileSync(file, "utf8")).toBe(`${lines.join("\n")}\n`);
      const refused = replay("crash-3", "--seeds", "1-2", "--trace", file);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr.toString()).toContain("--trace needs exactly one scenario and one seed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a replay row prices its messages: mean latency, put p99 and leader changes, averaged over its runs", () => {
    const scenario = loadScenario("simple-1");
    const run = runVirtual(scenario, 1);
    const priced = (mean: number, p99: number, changes: number) => ({
      ...run,
      stats: { ...run.stats, meanLatency: mean },
      extras: { ...run.extras, leaderChanges: changes, latency: { ...run.extras.latency, put: { ...run.extras.latency.put, p99 } } },
    });
    const row = replayRow(scenario, [priced(0.01, 1, 1), priced(0.03, 3, 4)]);
    expect(row.meanLatency).toBeCloseTo(0.02, 12);
    expect(row.putP99).toBeCloseTo(2, 12);
    expect(row.leaderChanges).toBeCloseTo(2.5, 12);
    expect(formatReplayTable([row])).toContain("20.0ms   2000ms     2.50");
    expect(replayRow(scenario, [])).toMatchObject({ meanLatency: 0, putP99: 0, leaderChanges: 0, msgsMean: 0 });
  });

  test("replay --raft runs the replicas with those settings, and refuses bad ones as KV_RAFT would", () => {
    const replay = (...args: string[]) => Bun.spawnSync([process.execPath, "src/sim/replay.ts", "crash-3", "--seeds", "1", ...args], { cwd: join(import.meta.dir, "..") });
    const msgsOf = (out: string) => Number(out.split("\n").find((line) => line.startsWith("crash-3"))!.trim().split(/\s+/)[3]);
    const plain = replay();
    // A failover twice as slow holds the clients' puts longer: they go out in fewer appends.
    const slow = replay("--raft", '{"electionTimeoutMin":3000,"electionTimeoutMax":3700}');
    expect(plain.exitCode).toBe(0);
    expect(slow.exitCode).toBe(0);
    expect(slow.stdout.toString()).toContain('with --raft {"electionTimeoutMin":3000');
    expect(msgsOf(slow.stdout.toString())).not.toBe(msgsOf(plain.stdout.toString()));
    expect(msgsOf(slow.stdout.toString())).toBe(metricOf(runVirtual(loadScenario("crash-3"), 1, { config: { electionTimeoutMin: 3000, electionTimeoutMax: 3700 } }), "total_msgs"));
    for (const [bad, message] of [
      ['{"leaseDuration":3000}', "--raft: invalid Raft configuration: need 0 <= leaseDuration < electionTimeoutMin"],
      ['{"heartbeatInterval":"x"}', "--raft.heartbeatInterval"],
      ["{", "--raft is not JSON"],
    ] as const) {
      const refused = replay("--raft", bad);
      expect(refused.exitCode, bad).toBe(2);
      expect(refused.stderr.toString(), bad).toContain(message);
    }
  });

  test("a seed replays exactly", () => {
    const scenario = loadScenario("advanced-2");
    const first = runVirtual(scenario, 7);
    const again = runVirtual(scenario, 7);
    expect(again.stats).toEqual(first.stats);
    expect(runVirtual(scenario, 8).stats).not.toEqual(first.stats);
  });

  test("messages are counted as the simulator counts them: a put costs its relay chain", () => {
    // simple-2: 400 puts and no faults; each put is three replica messages along a chain,
    // so the total lies between that and the straightforward four per put plus change.
    const report = runVirtual(loadScenario("simple-2"), 1);
    const puts = report.stats.committedPuts;
    expect(puts).toBeGreaterThan(350);
    expect(report.stats.totalMsgs).toBeGreaterThanOrEqual(3 * puts);
    expect(report.stats.totalMsgs).toBeLessThan(4 * puts);
  });
});
