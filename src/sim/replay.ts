// `bun run replay [names...] --seeds LIST`: the official scenarios (or any scenario file)
// on virtual time (virtual-run.ts), many seeds in seconds. For what the machine does not
// decide: message counts, failures, duplicates, correctness; one seed replays exactly,
// so a change to the protocol can be measured over hundreds of seeds without noise. The
// binary's own latency, start-up and resources are the suite's (`bun run suite`).
import { writeFileSync } from "node:fs";
import { configFromEnv } from "../config-env.ts";
import type { RaftConfig } from "../raft/types.ts";
import { parseCommand } from "../util/usage.ts";
import { formatLeftovers, type RunReport } from "./report.ts";
import { MessagePlaces } from "./message-places.ts";
import { loadScenario, OFFICIAL_SCENARIOS, type Scenario } from "./scenario.ts";
import { parseSeeds } from "./seeds.ts";
import { mean } from "./stats.ts";
import { formatColumns, metricOf, whyNotCorrect } from "./summary.ts";
import { GENERATION_CHECK, generationFailsAnyway } from "./verdict.ts";
import { runVirtual } from "./virtual-run.ts";

const USAGE = `usage: bun run replay [scenario names or files...] [options]
  --seeds LIST   seeds to run each scenario with: 3, 1-300, 1,4,9-11 (default 1-100)
  --each         also print one line per run, naming its unanswered requests and
                 duplicate replies
  --where        also print, per scenario, its messages by kind and by where they went
                 (whole network, either side of a partition, across the cut, to a killed replica)
  --raft JSON    Raft settings over the defaults, as the replica's KV_RAFT takes them:
                 '{"electionTimeoutMin":2500,"electionTimeoutMax":3200}'
  --json FILE    write every run's report to FILE
  --trace FILE   with one scenario and one seed: write every packet with its time, as
                 bun run sim --trace does (read it with: bun run hops FILE)
  -h, --help     this text`;

export interface ReplayRow {
  scenario: string;
  runs: number;
  correct: number;
  msgsMean: number;
  msgsMax: number;
  /** Runs whose total_msgs is in the Bonus tier. */
  msgsBonus: number;
  failures: number;
  runsWithFailures: number;
  duplicates: number;
  runsWithDuplicates: number;
  /** First few reasons runs were not correct, with their seeds. */
  notCorrect: string[];
  /** Runs not correct, by the name of each check they failed (a run may fail several). */
  failedChecks: Record<string, number>;
  /**
   * Runs not correct only by the get-generation check, and failing it whatever the
   * replicas do: the scenario's draw (verdict.ts, generationFailsAnyway).
   */
  notCorrectByDraw: number;
  /**
   * Means over the runs, in seconds: each run's mean latency and its puts' p99. A median
   * does not move when clients wait out a slower failover, and fewer messages can be
   * bought that way (held requests go out in fewer appends): these show the price.
   */
  meanLatency: number;
  putP99: number;
  /**
   * Leader changes a run, on average, as the simulator counts them: each time the leader
   * named in packets from the majority side changes (a follower still naming the old
   * leader after an election counts again), so more than the elections held.
   */
  leaderChanges: number;
}

export function replayRow(scenario: Scenario, reports: readonly RunReport[]): ReplayRow {
  const msgs = reports.map((r) => metricOf(r, "total_msgs"));
  const failures = reports.map((r) => metricOf(r, "failures"));
  const duplicates = reports.map((r) => metricOf(r, "duplicates"));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    scenario: scenario.name,
    runs: reports.length,
    correct: reports.filter((r) => r.verdict.correct).length,
    msgsMean: mean(msgs),
    msgsMax: Math.max(0, ...msgs),
    msgsBonus: msgs.filter((m) => m < (scenario.benchmarks.total_msgs?.[0] ?? Number.POSITIVE_INFINITY)).length,
    failures: sum(failures),
    runsWithFailures: failures.filter((f) => f > 0).length,
    duplicates: sum(duplicates),
    runsWithDuplicates: duplicates.filter((d) => d > 0).length,
    notCorrect: reports
      .filter((r) => !r.verdict.correct)
      .slice(0, 3)
      .map(whyNotCorrect),
    failedChecks: countFailedChecks(reports),
    notCorrectByDraw: reports.filter((r) => !r.verdict.correct && failsOnlyByDraw(scenario, r)).length,
    meanLatency: mean(reports.map((r) => r.stats.meanLatency)),
    putP99: mean(reports.map((r) => r.extras.latency.put.p99)),
    leaderChanges: mean(reports.map((r) => r.extras.leaderChanges)),
  };
}

function countFailedChecks(reports: readonly RunReport[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const report of reports) for (const check of report.verdict.checks) if (!check.ok) counts[check.name] = (counts[check.name] ?? 0) + 1;
  return counts;
}

function failsOnlyByDraw(scenario: Scenario, report: RunReport): boolean {
  const failed = report.verdict.checks.filter((c) => !c.ok);
  return failed.length === 1 && failed[0]!.name === GENERATION_CHECK && generationFailsAnyway(scenario, report.stats);
}

/** One line per scenario with runs not correct: how many failed which check, and how many of them by the scenario's draw. */
export function formatFailedChecks(rows: readonly ReplayRow[]): string[] {
  return rows
    .filter((row) => row.correct < row.runs)
    .map((row) => {
      const checks = Object.entries(row.failedChecks).map(([name, n]) => `${n} failed "${name}"`).join(", ");
      const draw = row.notCorrectByDraw > 0 ? `; ${row.notCorrectByDraw} of them fail it with any replica (their clients' first requests were gets)` : "";
      return `${row.scenario}: ${row.runs - row.correct} not correct; ${checks}${draw}`;
    });
}

export function formatReplayTable(rows: readonly ReplayRow[]): string {
  const head = ["scenario", "runs", "correct", "msgs mean", "max", "Bonus", "failures", "in runs", "dups", "in runs", "mean lat", "put p99", "leaders"];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.runs),
    String(r.correct),
    r.msgsMean.toFixed(1),
    String(r.msgsMax),
    `${((100 * r.msgsBonus) / Math.max(1, r.runs)).toFixed(0)}%`,
    String(r.failures),
    String(r.runsWithFailures),
    String(r.duplicates),
    String(r.runsWithDuplicates),
    `${(r.meanLatency * 1000).toFixed(1)}ms`,
    `${(r.putP99 * 1000).toFixed(0)}ms`,
    r.leaderChanges.toFixed(2),
  ]);
  return formatColumns(head, lines).join("\n");
}

function main(): number {
  const parsed = parseCommand(USAGE, {
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      seeds: { type: "string", default: "1-100" },
      each: { type: "boolean", default: false },
      where: { type: "boolean", default: false },
      json: { type: "string" },
      raft: { type: "string" },
      trace: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  let seeds: number[];
  let scenarios: Scenario[];
  let config: RaftConfig | undefined;
  if (values.raft !== undefined) {
    const tuned = configFromEnv(values.raft, "--raft");
    if (!tuned.ok) {
      console.error(tuned.error);
      return 2;
    }
    config = tuned.config;
  }
  try {
    seeds = parseSeeds(values.seeds);
    scenarios = (positionals.length > 0 ? positionals : [...OFFICIAL_SCENARIOS]).map((name) => loadScenario(name));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (values.trace !== undefined && (scenarios.length !== 1 || seeds.length !== 1)) {
    console.error("--trace needs exactly one scenario and one seed");
    return 2;
  }
  const traceLines: string[] = [];
  const trace = values.trace === undefined ? undefined : (line: string) => traceLines.push(line);
  const started = performance.now();
  const rows: ReplayRow[] = [];
  const all: RunReport[] = [];
  const placesByScenario: [string, MessagePlaces][] = [];
  for (const scenario of scenarios) {
    const places = values.where ? new MessagePlaces() : undefined;
    if (places) placesByScenario.push([scenario.name, places]);
    const reports = seeds.map((seed) => runVirtual(scenario, seed, { config, places, trace }));
    if (values.each) {
      for (const r of reports) {
        const m = (metric: Parameters<typeof metricOf>[1]) => metricOf(r, metric);
        const leftovers = formatLeftovers(r).map((line) => `; ${line}`).join("");
        console.log(`${scenario.name} seed ${r.seed}: ${r.verdict.correct ? "correct" : "NOT CORRECT"}, ${m("total_msgs")} msgs, ${m("failures")} failures, ${m("duplicates")} duplicates${leftovers}`);
      }
    }
    rows.push(replayRow(scenario, reports));
    all.push(...reports);
  }
  console.log(formatReplayTable(rows));
  for (const row of rows) for (const line of row.notCorrect) console.log(`${row.scenario} ${line}`);
  for (const line of formatFailedChecks(rows)) console.log(line);
  for (const [name, places] of placesByScenario) console.log(`\n${name}: replica messages by kind and where they went, a run on average (${seeds.length} runs)\n${places.format(seeds.length)}`);
  const runs = all.length;
  const correct = all.filter((r) => r.verdict.correct).length;
  const settings = values.raft === undefined ? "" : ` with --raft ${values.raft}`;
  console.log(`\n${runs} runs on virtual time${settings} in ${((performance.now() - started) / 1000).toFixed(1)} s; ${correct === runs ? "all correct" : `${runs - correct} not correct`}`);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ seeds, rows, runs: all }, null, 1));
  if (values.trace !== undefined) writeFileSync(values.trace, `${traceLines.join("\n")}\n`);
  return correct === runs ? 0 : 1;
}

if (import.meta.main) process.exit(main());
