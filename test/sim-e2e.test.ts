// The real replica binary under our simulator: a few official scenarios, shortened to
// 8 s, in parallel. Skips itself only when the build script does not exist yet.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { RunReport } from "../src/sim/report.ts";
import { loadReplicaTimes, summarizeHops } from "../src/sim/hops.ts";
import { parseTrace } from "../src/sim/trace.ts";
import { runScenario } from "../src/sim/run.ts";
import { loadScenario, withLifetime } from "../src/sim/scenario.ts";

const BUILD = resolve(import.meta.dir, "../scripts/build.ts");
const haveBuild = existsSync(BUILD);
if (!haveBuild) console.log(`sim-e2e: skipped, ${BUILD} does not exist yet (nothing to build the replica with)`);

const SCENARIOS = ["simple-2", "crash-1", "partition-1"];
/**
 * Short runs have few requests per client, so the startup transient of "gets failed to
 * generate" (a client asked for a get before any put of its own was acknowledged) is a
 * large fraction of them: that check only means something at full length.
 */
const SHORT_RUN_NOISE = "gets failed to generate within fraction";

describe.skipIf(!haveBuild)("the replica under the simulator (8 s runs)", () => {
  test("simple-2, crash-1 and partition-1 are correct", async () => {
    const { ensureBuilt } = (await import(BUILD)) as { ensureBuilt: () => Promise<string> };
    const replica = await ensureBuilt();
    const trace: string[] = []; // simple-2's packets and its replicas' own times, for `bun run hops`
    const timesDir = mkdtempSync(join(tmpdir(), "kvtimes-"));
    let reports: RunReport[];
    let hops;
    try {
      reports = await Promise.all(
        SCENARIOS.map((name, i) =>
          runScenario({
            scenario: withLifetime(loadScenario(name), 8),
            replica,
            quiet: true,
            ...(i === 0 ? { trace: (line: string) => trace.push(line), times: timesDir } : {}),
          }),
        ),
      );
      hops = summarizeHops(parseTrace(trace), loadReplicaTimes(timesDir, trace));
    } finally {
      rmSync(timesDir, { recursive: true, force: true });
    }
    expect(hops.puts).toBeGreaterThanOrEqual(reports[0]!.stats.committedPuts);
    expect(hops.chainPuts).toBeGreaterThan(hops.puts / 2);
    expect(hops.putStages.total).toBeGreaterThan(0);
    // Every replica saved one time per packet the simulator handed it and read from it.
    expect(hops.split!.unmatched).toEqual([]);
    expect(hops.split!.putStages.relay.count).toBe(hops.chainPuts);
    for (const part of Object.values(hops.split!.putStages)) {
      expect(part.work).toBeGreaterThan(0);
      // Two processes' clocks agree to a few microseconds, not exactly.
      for (const ms of [part.wake, part.back]) expect(ms).toBeGreaterThan(-0.02);
    }
    for (const r of reports) {
      const failed = r.verdict.checks.filter((c) => !c.ok && c.name !== SHORT_RUN_NOISE);
      expect({ scenario: r.scenario, failed, problems: r.problems.slice(0, 5) }).toEqual({ scenario: r.scenario, failed: [], problems: [] });
      expect(r.stats.committedPuts).toBeGreaterThan(10);
      expect(r.stopReason).toBe("lifetime");
    }
    expect(reports[1]!.killed).toHaveLength(1);
  }, 120_000);
});
