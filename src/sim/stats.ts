// The counters of SPEC §3 (the classic statistics block), plus what our extras need.

export interface Stats {
  totalMsgs: number;
  totalDrops: number;
  /** get()/put() requests sent by clients, retries included. */
  totalGet: number;
  totalPut: number;
  failedGet: number;
  failedPut: number;
  /** Replies that were wrong: unknown MID, wrong value, bad type, no MID. */
  incorrect: number;
  /** Replica packets the simulator could not route: bad JSON, fields, size, destination. */
  malformed: number;
  duplicates: number;
  unansweredGet: number;
  unansweredPut: number;
  redirects: number;
  /** Gets asked for while the client had no key yet: sent as puts instead. */
  getGenerationFailures: number;
  /**
   * Of those, the ones asked for while a put of the client's waited for its answer: a
   * replica that answered it sooner would have spared them. The rest are clients' first
   * requests, which no replica can change.
   */
  getGenerationFailuresAwaitingPut: number;
  /** Puts acknowledged ok (the denominator of messages per committed put). */
  committedPuts: number;
  /** Seconds from sending a request to any reply for it, per operation kind. */
  latencies: { get: number[]; put: number[] };
  /** The recorded leader each time it changed (FFFF included), as the classic block prints. */
  leaders: string[];
  /** total_msgs split by the replica-to-replica message type: where the messages go. */
  msgsByType: Record<string, number>;
}

export function newStats(): Stats {
  return {
    totalMsgs: 0, totalDrops: 0, totalGet: 0, totalPut: 0, failedGet: 0, failedPut: 0,
    incorrect: 0, malformed: 0, duplicates: 0, unansweredGet: 0, unansweredPut: 0, redirects: 0,
    getGenerationFailures: 0, getGenerationFailuresAwaitingPut: 0, committedPuts: 0, latencies: { get: [], put: [] }, leaders: [], msgsByType: {},
  };
}

export function addLeader(stats: Stats, leader: string): void {
  if (stats.leaders[stats.leaders.length - 1] !== leader) stats.leaders.push(leader);
}

/** The classic median: the element at index len/2 of the sorted list (upper median). */
export function classicMedian(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Nearest-rank percentile (p in 0..100); 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** How many values, and their nearest-rank p50, p90 and p99 (0s for an empty list). */
export interface PercentileSummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
}

export function summarizePercentiles(values: readonly number[]): PercentileSummary {
  return { count: values.length, p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99) };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

export function allLatencies(stats: Stats): number[] {
  return [...stats.latencies.get, ...stats.latencies.put];
}
