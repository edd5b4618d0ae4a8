// The suite's resource line: start to connected is measured from each replica's own spawn.
import { describe, expect, test } from "bun:test";
import type { ReplicaInfo, RunReport } from "../src/sim/report.ts";
import { formatCpuSplit, formatResources, resourceSummary } from "../src/sim/summary.ts";

const replica = (
  startedAt: number | null,
  connectedAt: number | null,
  peakRssKb: number | null,
  cpuSeconds: number | null,
  cpuByThread: Record<string, number> | null = null,
  id = "0000",
): ReplicaInfo => ({
  id,
  pid: 1,
  startedAt,
  connectedAt,
  exit: null,
  peakRssKb,
  cpuSeconds,
  cpuByThread,
});
const run = (...replicaInfo: ReplicaInfo[]) => ({ scenario: "simple-2", seed: 3, replicaInfo }) as unknown as RunReport;

describe("resourceSummary", () => {
  test("connect times count from each spawn; RSS and CPU are the worst replica's", () => {
    const summary = resourceSummary([
      run(replica(0.0, 0.01, 40_000, 0.2), replica(0.005, 0.025, 50_000, 0.3)),
      run(replica(0.0, 0.03, 45_000, 0.1), replica(0.1, null, null, null)),
    ]);
    expect(summary.replicas).toBe(4);
    expect(summary.connectMs!.p50).toBeCloseTo(20, 6);
    expect(summary.connectMs!.max).toBeCloseTo(30, 6);
    expect(summary.peakRssKb).toBe(50_000);
    expect(summary.cpuSeconds).toBe(0.3);
    expect(formatResources(summary)).toBe("Replicas (4): start to connected p50 20.0 ms, p90 30.0 ms, max 30.0 ms; peak RSS at most 48.8 MB; CPU at most 0.30 s; over 50 ms, 64 MB, 1 s: 0, 0, 0");
  });

  test("the floor's replicas are labelled as such", () => {
    expect(formatResources(resourceSummary([run(replica(0, 0.02, 30_000, 0.04))]), "Floor replicas")).toBe(
      "Floor replicas (1): start to connected p50 20.0 ms, p90 20.0 ms, max 20.0 ms; peak RSS at most 29.3 MB; CPU at most 0.04 s; over 50 ms, 64 MB, 1 s: 0, 0, 0",
    );
  });

  test("replicas over each of the issue's limits are counted, only strictly over", () => {
    const summary = resourceSummary([
      run(replica(0, 0.05, 65_536, 1.0), replica(0, 0.0501, 65_537, 1.01)),
      run(replica(0, 0.08, 40_000, 0.3), replica(0, null, null, null)),
    ]);
    expect(summary.overLimits).toEqual({ connect: 2, rss: 1, cpu: 1 });
    expect(formatResources(summary)).toEndWith("; CPU at most 1.01 s; over 50 ms, 64 MB, 1 s: 2, 1, 1");
  });

  test("nothing measured reads n/a", () => {
    expect(formatResources(resourceSummary([run(replica(null, null, null, null))]))).toBe("Replicas (1): start to connected: n/a; peak RSS at most n/a; CPU at most n/a; over 50 ms, 64 MB, 1 s: 0, 0, 0");
  });
});

describe("CPU by thread", () => {
  test("the mean counts a thread a replica lacks as 0; the busiest replica is named with its split", () => {
    const summary = resourceSummary([
      run(replica(0, 0.01, 40_000, 0.6, { main: 0.4, JITWorker: 0.2 }, "0001"), replica(0, 0.01, 40_000, 1.2, { main: 0.8, JITWorker: 0.3, "mi-scavenger": 0.1 }, "0004")),
      run(replica(0, 0.01, 40_000, 0.3, null)),
    ]);
    const split = summary.cpuByThread!;
    expect(split.replicas).toBe(2);
    expect(split.mean.main).toBeCloseTo(0.6, 9);
    expect(split.mean["mi-scavenger"]).toBeCloseTo(0.05, 9);
    expect(split.busiest).toMatchObject({ run: "simple-2#3", id: "0004", seconds: 1.2 });
    expect(formatCpuSplit(summary)).toBe(
      "Replicas' CPU by thread (s): mean main 0.60, JITWorker 0.25, mi-scavenger 0.05; the busiest (simple-2#3 0004, 1.20) main 0.80, JITWorker 0.30, mi-scavenger 0.10",
    );
  });

  test("the floor's busiest replica is labelled as the suite labels floor runs", () => {
    const floor = resourceSummary([run(replica(0, 0.01, 30_000, 0.2, { main: 0.2 }))], true);
    expect(floor.cpuByThread!.busiest.run).toBe("floor:simple-2#3");
  });

  test("no split read, no line", () => {
    expect(formatCpuSplit(resourceSummary([run(replica(0, 0.01, 40_000, 0.3))]))).toBeNull();
  });
});
