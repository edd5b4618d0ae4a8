// The run's report: a plain JSON-able object (for --json and the suite) built from a
// finished Simulation, and its text form (the classic block, the verdict, our extras).
import type { DuplicateReply, UnansweredRequest } from "./client.ts";
import type { HostSteal } from "./host-steal.ts";
import type { Problem, Simulation, StopReason } from "./simulation.ts";
import { allLatencies, classicMedian, mean, summarizePercentiles, type PercentileSummary, type Stats } from "./stats.ts";
import { judge, type Verdict } from "./verdict.ts";

export type LatencySummary = PercentileSummary;

export interface ReplicaInfo {
  id: string;
  pid: number | null;
  /** Seconds from the run's start until its process was spawned; null if it never was. */
  startedAt: number | null;
  /** Seconds from the run's start until its connection was accepted; null if it never connected. */
  connectedAt: number | null;
  /** How it ended, when it ended before the run did. */
  exit: string | null;
  peakRssKb: number | null;
  cpuSeconds: number | null;
  /** cpuSeconds by thread name (src/sim/procstat.ts). */
  cpuByThread: Record<string, number> | null;
  /** The end of its stderr, when captured (--quiet) and it died. */
  stderrTail?: string;
}

export interface RunReport {
  scenario: string;
  seed: number;
  replica: string;
  lifetime: number;
  requests: number;
  replicas: number;
  stopReason: StopReason;
  durationSeconds: number;
  stats: Omit<Stats, "latencies"> & { meanLatency: number; medianLatency: number };
  died: Record<string, string>;
  killed: string[];
  verdict: Verdict;
  extras: {
    latency: { get: LatencySummary; put: LatencySummary };
    messagesPerCommittedPut: number | null;
    leaderChanges: number;
    leaderlessSeconds: number;
    /** CPU the host took from this machine during the run (null on virtual time, or without /proc). */
    hostSteal: HostSteal | null;
  };
  problems: Problem[];
  problemCount: number;
  /** The requests behind the unanswered counts, oldest first: where to start tracing a failure. */
  unanswered: UnansweredRequest[];
  /** The replies behind the duplicate count, in the order they came. */
  duplicateReplies: DuplicateReply[];
  replicaInfo: ReplicaInfo[];
}

export function buildReport(sim: Simulation, replica: string, durationSeconds: number, replicaInfo: ReplicaInfo[], hostSteal: HostSteal | null = null): RunReport {
  const { latencies, ...counters } = sim.stats;
  const all = allLatencies(sim.stats);
  return {
    scenario: sim.scenario.name,
    seed: sim.seed,
    replica,
    lifetime: sim.scenario.lifetime,
    requests: sim.scenario.requests,
    replicas: sim.scenario.replicas,
    stopReason: sim.stopReason ?? "lifetime",
    durationSeconds,
    stats: { ...counters, leaders: [...counters.leaders], msgsByType: { ...counters.msgsByType }, meanLatency: mean(all), medianLatency: classicMedian(all) },
    died: Object.fromEntries(sim.died),
    killed: [...sim.killed],
    verdict: judge(sim.scenario, sim.stats, sim.died.size),
    extras: {
      latency: { get: summarizePercentiles(latencies.get), put: summarizePercentiles(latencies.put) },
      messagesPerCommittedPut: sim.stats.committedPuts > 0 ? sim.stats.totalMsgs / sim.stats.committedPuts : null,
      leaderChanges: sim.leaderChanges,
      leaderlessSeconds: sim.leaderlessTime,
      hostSteal,
    },
    problems: sim.problems,
    problemCount: sim.problemCount,
    unanswered: sim.clients.flatMap((c) => c.unanswered()).sort((a, b) => a.sentAt - b.sentAt),
    duplicateReplies: sim.clients.flatMap((c) => c.duplicateReplies).sort((a, b) => a.at - b.at),
    replicaInfo,
  };
}

/** How many of a list the text report names before it only counts the rest. */
const NAMED = 5;

/** The first few unanswered requests and duplicate replies of a run, one clause each (empty when none). */
export function formatLeftovers(r: Pick<RunReport, "unanswered" | "duplicateReplies">): string[] {
  const named = <T>(items: readonly T[], one: (item: T) => string) => `${items.slice(0, NAMED).map(one).join("; ")}${items.length > NAMED ? `; … and ${items.length - NAMED} more` : ""}`;
  const out: string[] = [];
  if (r.unanswered.length > 0) out.push(`unanswered: ${named(r.unanswered, (u) => `${u.type} ${u.MID} from ${u.client}, sent at ${u.sentAt.toFixed(3)}s to ${u.to}`)}`);
  if (r.duplicateReplies.length > 0) out.push(`duplicate replies: ${named(r.duplicateReplies, (d) => `${d.MID} to ${d.client}, from ${d.from} at ${d.at.toFixed(3)}s`)}`);
  return out;
}

const ms = (seconds: number) => `${(seconds * 1000).toFixed(3)}ms`;

/** The classic block (same lines and wording), then the verdict, tiers and extras. */
export function formatReport(r: RunReport): string {
  const s = r.stats;
  const out: string[] = [];
  const died = Object.keys(r.died).length;
  out.push(`Scenario ${r.scenario}, seed ${r.seed}, ${r.replicas} replicas, ${r.requests} requests, lifetime ${r.lifetime}s (${r.replica})`);
  if (r.stopReason === "max_packets") out.push(`*** Simulator Error - Replicas sent too many packets (>=${s.totalMsgs}), possible packet storm`);
  if (r.stopReason === "no replica alive") out.push("*** Simulator Error - no replica left alive, the run ended early");
  for (const p of r.problems) out.push(`*** ${p.at.toFixed(3)}s ${p.text}`);
  if (r.problemCount > r.problems.length) out.push(`*** … and ${r.problemCount - r.problems.length} more problems`);
  out.push("Simulation finished.");
  const leaders = s.leaders.length > 40 ? [...s.leaders.slice(0, 40), `… (${s.leaders.length} in all)`] : s.leaders;
  out.push(`Leaders: ${leaders.join(" ")}`);
  out.push(`Replicas that died/were killed: ${died}/${r.killed.length}`);
  out.push(`Total messages sent: ${s.totalMsgs}`);
  out.push(`Total messages dropped: ${s.totalDrops}`);
  out.push(`Total client get()/put() requests: ${s.totalGet}/${s.totalPut}`);
  out.push(`Total duplicate responses: ${s.duplicates}`);
  out.push(`Total unanswered get()/put() requests: ${s.unansweredGet}/${s.unansweredPut}`);
  out.push(`Total redirects: ${s.redirects}`);
  out.push(`Total get()/put() failures: ${s.failedGet}/${s.failedPut}`);
  out.push(`Total get() with incorrect response: ${s.incorrect + s.malformed}`);
  if (s.meanLatency > 0 || s.medianLatency > 0) out.push(`Mean/Median query latency: ${s.meanLatency.toFixed(6)}sec/${s.medianLatency.toFixed(6)}sec`);
  out.push("");
  out.push(`Correctness checks: ${r.verdict.correct ? "PASSED" : "FAILED"}`);
  for (const c of r.verdict.checks) if (!c.ok) out.push(`  failed: ${c.name} (${c.detail})`);
  if (r.verdict.tiers.length > 0) out.push("Performance tests:");
  for (const t of r.verdict.tiers) {
    const value = t.metric === "median_latency" ? t.value.toFixed(6) : String(t.value);
    const shown = t.tiers.map((x) => (t.metric === "total_msgs" ? String(Math.round(x)) : String(x))).join(", ");
    out.push(`  ${t.metric.padEnd(15)} ${value.padStart(10)}  tiers [${shown}]  ${t.tier}`);
  }
  out.push("");
  out.push("Extras:");
  const lat = r.extras.latency;
  out.push(`  get latency p50/p90/p99: ${ms(lat.get.p50)}/${ms(lat.get.p90)}/${ms(lat.get.p99)} (${lat.get.count} replies)`);
  out.push(`  put latency p50/p90/p99: ${ms(lat.put.p50)}/${ms(lat.put.p90)}/${ms(lat.put.p99)} (${lat.put.count} replies)`);
  const mpp = r.extras.messagesPerCommittedPut;
  out.push(`  messages per committed put: ${mpp === null ? "n/a (no put committed)" : mpp.toFixed(2)} (${s.committedPuts} puts)`);
  const byType = Object.entries(s.msgsByType).sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`);
  out.push(`  messages by type: ${byType.length > 0 ? byType.join(", ") : "none"}`);
  out.push(`  leader changes: ${r.extras.leaderChanges}`);
  out.push(`  time without a known leader: ${r.extras.leaderlessSeconds.toFixed(3)}s`);
  out.push(`  malformed packets: ${s.malformed}, incorrect replies: ${s.incorrect}, gets failed to generate: ${s.getGenerationFailures}${s.getGenerationFailuresAwaitingPut > 0 ? ` (${s.getGenerationFailuresAwaitingPut} while a put awaited its answer)` : ""}`);
  for (const line of formatLeftovers(r)) out.push(`  ${line}`);
  out.push(`  stopped by: ${r.stopReason} after ${r.durationSeconds.toFixed(2)}s`);
  const steal = r.extras.hostSteal;
  if (steal) out.push(`  host CPU steal: ${steal.meanPercent.toFixed(1)}% over the run, ${steal.maxPercent.toFixed(1)}% in its worst second`);
  for (const info of r.replicaInfo) {
    const parts = [
      info.connectedAt === null ? "never connected" : `connected at ${info.connectedAt.toFixed(3)}s`,
      info.connectedAt !== null && info.startedAt !== null ? `${((info.connectedAt - info.startedAt) * 1000).toFixed(1)} ms after its start` : null,
      info.exit ? `ended: ${info.exit}` : null,
      info.peakRssKb !== null ? `peak RSS ${(info.peakRssKb / 1024).toFixed(1)} MB` : null,
      info.cpuSeconds !== null ? `CPU ${info.cpuSeconds.toFixed(2)}s${info.cpuByThread ? ` (${formatCpuByThread(info.cpuByThread)})` : ""}` : null,
    ].filter((x) => x !== null);
    out.push(`  replica ${info.id}: ${parts.join(", ")}`);
    if (info.stderrTail) out.push(info.stderrTail.split("\n").map((l) => `    | ${l}`).join("\n"));
  }
  return out.join("\n");
}

/** "main 0.41, JITWorker 0.17, mi-scavenger 0.10": the busiest first, none under 5 ms. */
export function formatCpuByThread(byThread: Record<string, number>): string {
  const shown = Object.entries(byThread).filter(([, seconds]) => seconds >= 0.005).sort((a, b) => b[1] - a[1]);
  return shown.length === 0 ? "no thread over 5 ms" : shown.map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`).join(", ");
}
