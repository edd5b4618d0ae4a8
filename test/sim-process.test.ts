// The process-and-socket side with scripted fixture replicas: each fault is detected
// through real SEQPACKET sockets and real processes, and nothing is left behind.
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pageIn } from "../src/sim/page-in.ts";
import type { RunReport } from "../src/sim/report.ts";
import { runScenario } from "../src/sim/run.ts";
import { parseScenario } from "../src/sim/scenario.ts";

const FLOOR = resolve(import.meta.dir, "fixtures/floor-replica.ts");
const SCRIPTED = resolve(import.meta.dir, "fixtures/scripted-replica.ts");

// start_wait 2 s: seven runs' scripts (21 processes) start at once, and on a slow 2-core
// host a clean clone's first `npm test` once had one still unconnected after 1 s, when
// the first requests were routed to it (the oversize case).
function small(extra: Record<string, unknown> = {}) {
  return parseScenario({ lifetime: 5, replicas: 3, requests: 40, mix: 0.2, start_wait: 2, end_wait: 0.5, seed: 3, ...extra }, "small.json", "small");
}

interface Case {
  replica: string;
  env?: Record<string, string>;
  scenario?: Record<string, unknown>;
  lifetime?: number;
}

const cases = {
  floor: { replica: FLOOR },
  exit: { replica: SCRIPTED, env: { KV_FIXTURE: "exit", KV_FIXTURE_ID: "0001", KV_FIXTURE_N: "300" } },
  neverConnect: { replica: SCRIPTED, env: { KV_FIXTURE: "never-connect", KV_FIXTURE_ID: "0002" } },
  // 400 ms late, against a start_wait of 3 s: seven runs' scripts starting at once on a
  // slow 2-core host took over a second to connect at all, and 1 s was not enough.
  lateConnect: { replica: SCRIPTED, env: { KV_FIXTURE: "late-connect", KV_FIXTURE_ID: "0001", KV_FIXTURE_N: "400" }, scenario: { start_wait: 3 } },
  garbage: { replica: SCRIPTED, env: { KV_FIXTURE: "garbage" } },
  oversize: { replica: SCRIPTED, env: { KV_FIXTURE: "oversize" } },
  missingField: { replica: SCRIPTED, env: { KV_FIXTURE: "missing-field" } },
  duplicate: { replica: SCRIPTED, env: { KV_FIXTURE: "duplicate", KV_FIXTURE_N: "2" } },
  wrongValue: { replica: SCRIPTED, env: { KV_FIXTURE: "wrong-value" } },
  unknownMid: { replica: SCRIPTED, env: { KV_FIXTURE: "unknown-mid" } },
  silent: { replica: SCRIPTED, env: { KV_FIXTURE: "silent", KV_FIXTURE_N: "100000" } },
  broadcast: { replica: SCRIPTED, env: { KV_FIXTURE: "broadcast", KV_FIXTURE_N: "25" }, scenario: { requests: 0 } },
  flood: { replica: SCRIPTED, env: { KV_FIXTURE: "flood" }, scenario: { max_packets: 3000 } },
  crash: { replica: SCRIPTED, env: { KV_FIXTURE: "throw", KV_FIXTURE_ID: "0002", KV_FIXTURE_N: "200" } },
} satisfies Record<string, Case>;

type Name = keyof typeof cases;
const reports = {} as Record<Name, RunReport>;

beforeAll(async () => {
  const names = Object.keys(cases) as Name[];
  // Two batches, so a busy 2-core machine still starts every replica well within start_wait.
  for (const batch of [names.slice(0, 7), names.slice(7)]) {
    await Promise.all(
      batch.map(async (name) => {
        const c: Case = cases[name];
        reports[name] = await runScenario({ scenario: small(c.scenario), replica: c.replica, env: c.env, quiet: true });
      }),
    );
  }
}, 60_000);

const failedChecks = (r: RunReport) => r.verdict.checks.filter((c) => !c.ok).map((c) => c.name);

describe("fixture replicas through real sockets", () => {
  test("the floor replica is correct and fast, and usage is measured", () => {
    const r = reports.floor;
    expect(r.stats.incorrect + r.stats.malformed + r.stats.duplicates).toBe(0);
    expect(r.stats.unansweredGet + r.stats.unansweredPut).toBe(0);
    expect(Object.keys(r.died)).toEqual([]);
    expect(r.stats.committedPuts).toBeGreaterThan(10);
    expect(r.stats.totalMsgs).toBe(2 * r.stats.committedPuts); // one broadcast per put, n-1 = 2
    expect(r.stats.medianLatency).toBeLessThan(0.05);
    expect(r.stopReason).toBe("lifetime");
    for (const info of r.replicaInfo) {
      expect(info.connectedAt).not.toBeNull();
      expect(info.startedAt).not.toBeNull();
      expect(info.connectedAt!).toBeGreaterThan(info.startedAt!);
      expect(info.peakRssKb).toBeGreaterThan(1000);
      expect(info.cpuSeconds).not.toBeNull();
      // Split by thread, the same total: a tick apart at most (read one after the other).
      const split = Object.values(info.cpuByThread!).reduce((a, b) => a + b, 0);
      expect(Math.abs(split - info.cpuSeconds!)).toBeLessThanOrEqual(0.03);
    }
  });

  test("a replica that exits on its own is counted as died", () => {
    const r = reports.exit;
    expect(r.died["0001"]).toContain("exited with code 3");
    expect(r.killed).toEqual([]);
    expect(failedChecks(r)).toContain("no replica died");
  });

  test("a replica that never connects dies when a packet is routed to it", () => {
    const r = reports.neverConnect;
    expect(Object.keys(r.died)).toEqual(["0002"]);
    expect(r.replicaInfo.find((i) => i.id === "0002")?.connectedAt).toBeNull();
    expect(r.problems.some((p) => p.text.includes("not connected"))).toBe(true);
  });

  test("a replica that connects late but before anyone needs it is fine", () => {
    const r = reports.lateConnect;
    expect(Object.keys(r.died)).toEqual([]);
    expect(r.replicaInfo.find((i) => i.id === "0001")!.connectedAt!).toBeGreaterThan(0.35);
  });

  test("garbage, an oversize packet and a missing field are malformed", () => {
    expect(reports.garbage.stats.malformed).toBe(1);
    expect(reports.garbage.problems[0]?.text).toContain("unable to decode JSON");
    expect(reports.oversize.stats.malformed).toBe(1);
    expect(reports.oversize.problems[0]?.text).toMatch(/packet of 2\d{4} bytes/);
    expect(reports.missingField.stats.malformed).toBe(1);
    for (const r of [reports.garbage, reports.oversize, reports.missingField]) expect(failedChecks(r)).toContain("no malformed packets");
  });

  test("duplicates, wrong values and unknown MIDs are detected", () => {
    expect(reports.duplicate.stats.duplicates).toBe(2);
    expect(reports.duplicate.stats.incorrect).toBe(0);
    expect(reports.wrongValue.stats.incorrect).toBe(1);
    expect(reports.wrongValue.problems.some((p) => p.text.includes("incorrect value"))).toBe(true);
    expect(reports.unknownMid.stats.incorrect).toBe(1);
    expect(reports.unknownMid.problems.some((p) => p.text.includes("unexpected MID NO-SUCH-MID-0000"))).toBe(true);
  });

  test("requests a leader never answers are unanswered at the end", () => {
    const r = reports.silent;
    expect(r.stats.unansweredGet + r.stats.unansweredPut).toBe(40);
    expect(r.stats.redirects).toBeGreaterThan(0); // the followers still redirected
  });

  test("a broadcast is counted n-1 times", () => {
    expect(reports.broadcast.stats.totalMsgs).toBe(25 * 2);
    expect(reports.broadcast.stats.totalDrops).toBe(0);
  });

  test("a flooding replica stops the run at max_packets", () => {
    const r = reports.flood;
    expect(r.stopReason).toBe("max_packets");
    expect(r.stats.totalMsgs).toBeGreaterThanOrEqual(3000);
    expect(r.durationSeconds).toBeLessThan(5);
  });

  test("a crash is reported with the end of its stderr", () => {
    const info = reports.crash.replicaInfo.find((i) => i.id === "0002")!;
    expect(reports.crash.died["0002"]).toContain("code 1");
    expect(info.stderrTail).toContain("scripted crash");
  });

  test("no replica process outlives its run", () => {
    for (const r of Object.values(reports)) {
      for (const info of r.replicaInfo) {
        if (info.pid === null) continue;
        let alive = true;
        try {
          process.kill(info.pid, 0);
          alive = readFileSync(`/proc/${info.pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
        } catch {
          alive = false;
        }
        expect(alive).toBe(false);
      }
    }
  });
});

/** Children of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const ppid = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1];
      return Number(ppid) === pid ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

describe("interrupting the simulator", () => {
  test.each(["SIGINT", "SIGTERM"] as const)("%s kills every replica group and removes the temp dir", async (signal) => {
    const cli = resolve(import.meta.dir, "../src/sim/cli.ts");
    const sim = Bun.spawn([process.execPath, cli, "simple-2", "--replica", FLOOR, "--quiet"], { stdout: "pipe", stderr: "pipe" });
    let replicas: number[] = [];
    for (let i = 0; i < 100 && replicas.length < 5; i++) {
      await Bun.sleep(50);
      replicas = childrenOf(sim.pid).filter((p) => existsSync(`/proc/${p}/cwd`));
    }
    expect(replicas).toHaveLength(5);
    const dir = readlinkSync(`/proc/${replicas[0]}/cwd`);
    expect(dir).toContain("kvsim-");
    expect(existsSync(dir)).toBe(true);
    sim.kill(signal);
    const code = await Promise.race([sim.exited, Bun.sleep(5000).then(() => "hung")]);
    expect(code).toBe(signal === "SIGINT" ? 130 : 143);
    await Bun.sleep(100);
    for (const pid of replicas) expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z")).toBe(false);
    expect(existsSync(dir)).toBe(false);
  }, 15_000);
});

describe("paging the replica binary in before a run", () => {
  test("reads the whole file across chunk boundaries, and a missing file is an error", () => {
    const dir = mkdtempSync(join(tmpdir(), "kvpagein-"));
    try {
      const path = join(dir, "binary");
      const size = 2 * (1 << 20) + 12345; // two full chunks and a partial one
      writeFileSync(path, Buffer.alloc(size, 7));
      expect(pageIn(path)).toBe(size);
      writeFileSync(path, "");
      expect(pageIn(path)).toBe(0);
      expect(() => pageIn(join(dir, "absent"))).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
