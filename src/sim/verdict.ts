// The correctness checks and performance tiers of SPEC §3, applied to a finished run.
import { METRICS, type Metric, type Scenario, type Tiers } from "./scenario.ts";
import { allLatencies, classicMedian, type Stats } from "./stats.ts";

export type Tier = "Bonus" | "Passed" | "Partial" | "Failed";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface TierResult {
  metric: Metric;
  value: number;
  tiers: Tiers;
  tier: Tier;
}

export interface Verdict {
  correct: boolean;
  checks: Check[];
  /** Empty when the run is not correct: no tiers are given then. */
  tiers: TierResult[];
}

export function metricValue(metric: Metric, stats: Stats): number {
  return metricFromCounts(metric, stats, () => classicMedian(allLatencies(stats)));
}

/** The counters a metric needs; the median is asked for only when it is the metric. */
export type MetricCounts = Pick<Stats, "totalMsgs" | "failedGet" | "failedPut" | "unansweredGet" | "unansweredPut" | "duplicates">;

export function metricFromCounts(metric: Metric, counts: MetricCounts, medianLatency: () => number): number {
  switch (metric) {
    case "total_msgs":
      return counts.totalMsgs;
    case "failures":
      return counts.failedGet + counts.failedPut + counts.unansweredGet + counts.unansweredPut;
    case "duplicates":
      return counts.duplicates;
    case "median_latency":
      return medianLatency();
  }
}

export const GENERATION_CHECK = "gets failed to generate within fraction";

/** How many of the gets that failed to generate waited on a put's answer, when any did. */
function awaitingPut(stats: Pick<Stats, "getGenerationFailuresAwaitingPut">): string {
  const n = stats.getGenerationFailuresAwaitingPut;
  return n > 0 ? `; ${n} while a put of the client's awaited its answer` : "";
}

/**
 * Whether the run fails the get-generation check whatever the replicas do: the gets that
 * failed while no put of their client's awaited its answer are its clients' first
 * requests (a client's first get becomes its first put), and those alone are too many.
 */
export function generationFailsAnyway(s: Scenario, stats: Pick<Stats, "getGenerationFailures" | "getGenerationFailuresAwaitingPut" | "totalGet">): boolean {
  return stats.getGenerationFailures - stats.getGenerationFailuresAwaitingPut > generationLimit(s, stats);
}

/** How many gets may fail to generate before the run fails the check. */
function generationLimit(s: Scenario, stats: Pick<Stats, "totalGet">): number {
  return stats.totalGet * s.maxGetGenerationFailFraction;
}

/** value < tier[0] Bonus, < tier[1] Passed, < tier[2] Partial, else Failed. */
export function tierOf(value: number, tiers: Tiers): Tier {
  if (value < tiers[0]) return "Bonus";
  if (value < tiers[1]) return "Passed";
  if (value < tiers[2]) return "Partial";
  return "Failed";
}

export function judge(s: Scenario, stats: Stats, died: number): Verdict {
  const itemsStored = stats.committedPuts;
  const floor = s.requests * s.replicas * (1 - s.mix) * (1 - s.maxAppendsBatchedFraction);
  const checks: Check[] = [
    { name: "no incorrect replies", ok: stats.incorrect === 0, detail: `${stats.incorrect} incorrect` },
    { name: "no malformed packets", ok: stats.malformed === 0, detail: `${stats.malformed} malformed` },
    { name: "no replica died", ok: died === 0, detail: `${died} died` },
    { name: "at least one key stored", ok: itemsStored > 0, detail: `${itemsStored} puts acknowledged` },
    {
      name: "unanswered gets within fraction",
      ok: stats.unansweredGet <= stats.totalGet * s.maxGetFailFraction,
      detail: `${stats.unansweredGet} ≤ ${stats.totalGet} × ${s.maxGetFailFraction}`,
    },
    {
      name: "unanswered puts within fraction",
      ok: stats.unansweredPut <= stats.totalPut * s.maxPutFailFraction,
      detail: `${stats.unansweredPut} ≤ ${stats.totalPut} × ${s.maxPutFailFraction}`,
    },
    {
      name: GENERATION_CHECK,
      ok: stats.getGenerationFailures <= generationLimit(s, stats),
      detail: `${stats.getGenerationFailures} ≤ ${stats.totalGet} × ${s.maxGetGenerationFailFraction}${awaitingPut(stats)}`,
    },
    {
      name: "enough messages for replication",
      ok: stats.totalMsgs >= floor,
      detail: `${stats.totalMsgs} ≥ ${Math.ceil(floor)}`,
    },
  ];
  const correct = checks.every((c) => c.ok);
  const tiers: TierResult[] = [];
  if (correct) {
    for (const metric of METRICS) {
      const t = s.benchmarks[metric];
      if (!t) continue;
      const value = metricValue(metric, stats);
      tiers.push({ metric, value, tiers: t, tier: tierOf(value, t) });
    }
  }
  return { correct, checks, tiers };
}
