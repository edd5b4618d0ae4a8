// The suite's aggregation and its summary table: one row per scenario over its seeds.
import { metricFromCounts } from "./verdict.ts";
import { formatCpuByThread, type RunReport } from "./report.ts";
import { METRICS, type Metric } from "./scenario.ts";
import { classicMedian, percentile } from "./stats.ts";
import type { Tier } from "./verdict.ts";

export interface ScenarioRow {
  scenario: string;
  runs: number;
  correct: number;
  /** Median over the runs of each metric's value. */
  values: Record<Metric, number>;
  /** Worst tier over the correct runs ("—" when none was correct or the metric has no tiers). */
  tiers: Record<Metric, Tier | "—">;
  getP50: number;
  putP50: number;
  peakRssKb: number | null;
  cpuSeconds: number | null;
  /** Short reasons for the failed runs. */
  failures: string[];
}

const TIER_ORDER: readonly (Tier | "—")[] = ["—", "Bonus", "Passed", "Partial", "Failed"];

function worse(a: Tier | "—", b: Tier | "—"): Tier | "—" {
  return TIER_ORDER.indexOf(a) >= TIER_ORDER.indexOf(b) ? a : b;
}

function medianOf(values: number[]): number {
  return values.length === 0 ? 0 : classicMedian(values);
}

export function metricOf(r: RunReport, metric: Metric): number {
  return metricFromCounts(metric, r.stats, () => r.stats.medianLatency);
}

export function aggregate(reports: readonly RunReport[]): ScenarioRow[] {
  const byName = new Map<string, RunReport[]>();
  for (const r of reports) byName.set(r.scenario, [...(byName.get(r.scenario) ?? []), r]);
  return [...byName.entries()].map(([scenario, runs]) => {
    const values = {} as Record<Metric, number>;
    const tiers = {} as Record<Metric, Tier | "—">;
    for (const m of METRICS) {
      values[m] = medianOf(runs.map((r) => metricOf(r, m)));
      tiers[m] = "—";
      for (const r of runs) {
        const t = r.verdict.tiers.find((x) => x.metric === m);
        tiers[m] = worse(tiers[m], r.verdict.correct ? (t?.tier ?? "—") : "—");
      }
    }
    const { peakRssKb, cpuSeconds } = resourceSummary(runs);
    return {
      scenario,
      runs: runs.length,
      correct: runs.filter((r) => r.verdict.correct).length,
      values,
      tiers,
      getP50: medianOf(runs.map((r) => r.extras.latency.get.p50)),
      putP50: medianOf(runs.map((r) => r.extras.latency.put.p50)),
      peakRssKb,
      cpuSeconds,
      failures: runs.filter((r) => !r.verdict.correct).map(whyNotCorrect),
    };
  });
}

/** One line for a run that is not correct: its seed and the checks it failed. */
export function whyNotCorrect(r: RunReport): string {
  return `seed ${r.seed}: ${r.verdict.checks.filter((c) => !c.ok).map((c) => `${c.name} (${c.detail})`).join("; ")}`;
}

/** The issue's per-replica resource limits, over every replica of the runs given. */
export interface ResourceSummary {
  replicas: number;
  /** Milliseconds from a replica's spawn to its accepted connection. */
  connectMs: { p50: number; p90: number; max: number } | null;
  peakRssKb: number | null;
  cpuSeconds: number | null;
  /** Where that CPU went, by thread name; null when no replica's threads were read. */
  cpuByThread: CpuSplit | null;
  /** How many replicas went over each of RESOURCE_LIMITS (of those measured). */
  overLimits: { connect: number; rss: number; cpu: number };
}

/** The issue's limits per replica: start to connected, peak RSS, CPU over a 30 s run. */
export const RESOURCE_LIMITS = { connectMs: 50, peakRssKb: 64 * 1024, cpuSeconds: 1 } as const;

export interface CpuSplit {
  /** Replicas whose threads were read. */
  replicas: number;
  /** Mean seconds per replica of each thread name (0 for a replica without that thread). */
  mean: Record<string, number>;
  /** The replica that used the most CPU, and its split. */
  busiest: { run: string; id: string; seconds: number; byThread: Record<string, number> };
}

/** `floor`: the runs are the floor replica's (their busiest is labelled so, as runLabel does). */
export function resourceSummary(reports: readonly RunReport[], floor = false): ResourceSummary {
  const infos = reports.flatMap((r) => r.replicaInfo);
  const connect = infos.flatMap((i) => (i.connectedAt === null || i.startedAt === null ? [] : [(i.connectedAt - i.startedAt) * 1000]));
  const rss = infos.flatMap((i) => (i.peakRssKb === null ? [] : [i.peakRssKb]));
  const cpu = infos.flatMap((i) => (i.cpuSeconds === null ? [] : [i.cpuSeconds]));
  return {
    replicas: infos.length,
    connectMs: connect.length ? { p50: percentile(connect, 50), p90: percentile(connect, 90), max: Math.max(...connect) } : null,
    peakRssKb: rss.length ? Math.max(...rss) : null,
    cpuSeconds: cpu.length ? Math.max(...cpu) : null,
    cpuByThread: cpuSplit(reports, floor),
    overLimits: {
      connect: connect.filter((ms) => ms > RESOURCE_LIMITS.connectMs).length,
      rss: rss.filter((kb) => kb > RESOURCE_LIMITS.peakRssKb).length,
      cpu: cpu.filter((seconds) => seconds > RESOURCE_LIMITS.cpuSeconds).length,
    },
  };
}

function cpuSplit(reports: readonly RunReport[], floor: boolean): CpuSplit | null {
  const sums: Record<string, number> = {};
  let replicas = 0;
  let busiest: CpuSplit["busiest"] | null = null;
  for (const r of reports) {
    for (const info of r.replicaInfo) {
      if (!info.cpuByThread || info.cpuSeconds === null) continue;
      replicas++;
      for (const [name, seconds] of Object.entries(info.cpuByThread)) sums[name] = (sums[name] ?? 0) + seconds;
      if (!busiest || info.cpuSeconds > busiest.seconds) busiest = { run: runLabel(floor ? "floor" : "ours", r.scenario, r.seed), id: info.id, seconds: info.cpuSeconds, byThread: info.cpuByThread };
    }
  }
  if (!busiest) return null;
  const mean = Object.fromEntries(Object.entries(sums).map(([name, sum]) => [name, sum / replicas]));
  return { replicas, mean, busiest };
}

/** Where the replicas' CPU went: the mean split, and the busiest replica's. */
export function formatCpuSplit(r: ResourceSummary): string | null {
  const split = r.cpuByThread;
  if (!split) return null;
  const b = split.busiest;
  return `Replicas' CPU by thread (s): mean ${formatCpuByThread(split.mean)}; the busiest (${b.run} ${b.id}, ${b.seconds.toFixed(2)}) ${formatCpuByThread(b.byThread)}`;
}

export function formatResources(r: ResourceSummary, label = "Replicas"): string {
  const connect = r.connectMs ? `start to connected p50 ${r.connectMs.p50.toFixed(1)} ms, p90 ${r.connectMs.p90.toFixed(1)} ms, max ${r.connectMs.max.toFixed(1)} ms` : "start to connected: n/a";
  const rss = r.peakRssKb === null ? "n/a" : `${(r.peakRssKb / 1024).toFixed(1)} MB`;
  const cpu = r.cpuSeconds === null ? "n/a" : `${r.cpuSeconds.toFixed(2)} s`;
  const { connectMs, peakRssKb, cpuSeconds } = RESOURCE_LIMITS;
  const over = `over ${connectMs} ms, ${peakRssKb / 1024} MB, ${cpuSeconds} s: ${r.overLimits.connect}, ${r.overLimits.rss}, ${r.overLimits.cpu}`;
  return `${label} (${r.replicas}): ${connect}; peak RSS at most ${rss}; CPU at most ${cpu}; ${over}`;
}

/** Whose replica a suite run ran: ours, the floor fixture's, or the straightforward build's. */
export type RunKind = "ours" | "floor" | "straightforward";

/** How the suite names a run: `simple-1#3`, `floor:simple-1#3` (no seed: the scenario alone). */
export function runLabel(kind: RunKind, scenario: string, seed: number | undefined): string {
  return `${kind === "ours" ? "" : `${kind}:`}${scenario}${seed === undefined ? "" : `#${seed}`}`;
}

/** The host's steal over a set of runs: how far the machine's own load can explain their latencies. */
export interface StealSummary {
  /** Runs that measured it. */
  runs: number;
  /** The largest steal of any run's worst second, and which run. */
  maxPercent: number;
  worstRun: string;
  /** Runs whose worst second lost more than 1% of the CPU. */
  runsOver1Percent: number;
  /** The largest steal over a whole run. */
  maxMeanPercent: number;
}

export function stealSummary(ours: readonly RunReport[], floorRuns: readonly RunReport[] = []): StealSummary | null {
  const label = (kind: RunKind) => (r: RunReport) => (r.extras.hostSteal ? [{ run: runLabel(kind, r.scenario, r.seed), steal: r.extras.hostSteal }] : []);
  const measured = [...ours.flatMap(label("ours")), ...floorRuns.flatMap(label("floor"))];
  if (measured.length === 0) return null;
  const worst = measured.reduce((a, b) => (b.steal.maxPercent > a.steal.maxPercent ? b : a));
  return {
    runs: measured.length,
    maxPercent: worst.steal.maxPercent,
    worstRun: worst.run,
    runsOver1Percent: measured.filter((m) => m.steal.maxPercent > 1).length,
    maxMeanPercent: Math.max(...measured.map((m) => m.steal.meanPercent)),
  };
}

export function formatSteal(s: StealSummary | null): string {
  if (s === null) return "Host CPU steal: not measured (no /proc/stat)";
  return (
    `Host CPU steal (${s.runs} runs): worst second ${s.maxPercent.toFixed(1)}% (${s.worstRun}), ` +
    `${s.runsOver1Percent} of ${s.runs} runs over 1% in their worst second, at most ${s.maxMeanPercent.toFixed(1)}% over a whole run`
  );
}

/** A text table: the first column left-aligned, the others right-aligned, a rule under the header. */
export function formatColumns(header: readonly string[], body: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const pad = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [pad(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(pad)];
}

export function formatTable(rows: readonly ScenarioRow[]): string {
  const header = ["scenario", "correct", "msgs", "tier", "failures", "tier", "dups", "tier", "median lat", "tier", "get p50", "put p50"];
  const body = rows.map((r) => [
    r.scenario,
    `${r.correct === r.runs ? "pass" : "FAIL"} ${r.correct}/${r.runs}`,
    String(Math.round(r.values.total_msgs)),
    r.tiers.total_msgs,
    String(r.values.failures),
    r.tiers.failures,
    String(r.values.duplicates),
    r.tiers.duplicates,
    `${(r.values.median_latency * 1000).toFixed(3)}ms`,
    r.tiers.median_latency,
    `${(r.getP50 * 1000).toFixed(3)}ms`,
    `${(r.putP50 * 1000).toFixed(3)}ms`,
  ]);
  const lines = formatColumns(header, body);
  const failed = rows.flatMap((r) => r.failures.map((f) => `  ${r.scenario} ${f}`));
  if (failed.length) lines.push("", "Correctness failures:", ...failed);
  return lines.join("\n");
}
