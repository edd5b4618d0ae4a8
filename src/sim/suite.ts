// `bun run suite [names...]`: several scenarios (all 17 by default), optionally with
// several seeds each, N at a time. Each run is its own simulator process (so runs never
// share an event loop, and each has its own temporary directory); the suite gathers
// their JSON reports, prints a summary table and writes one JSON report.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseCommand } from "../util/usage.ts";
import type { Subprocess } from "bun";
import { processAlive, registerCleanup, removeDir, runCommand } from "./cleanup.ts";
import { Progress, formatDuration, type JobView } from "./progress.ts";
import { REPO_ROOT, resolveFloorReplica, resolveReplica, resolveStraightforwardReplica } from "./replica-path.ts";
import type { RunReport } from "./report.ts";
import { loadScenario, OFFICIAL_SCENARIOS, type Scenario } from "./scenario.ts";
import { parseSeeds } from "./seeds.ts";
import { classicMedian } from "./stats.ts";
import { aggregate, formatCpuSplit, formatResources, formatSteal, formatTable, resourceSummary, runLabel, stealSummary, type ResourceSummary, type RunKind, type ScenarioRow, type StealSummary } from "./summary.ts";

const USAGE = `usage: bun run suite [scenario names or files...] [options]
  --jobs N        runs at once (default 1; latency numbers are only honest with spare cores)
  --seeds LIST    run each scenario with these seeds: 3, 1-5, 1,4,9-11 (default: its own)
  --replica PATH  replica program (default ./3700kvstore, rebuilt if stale)
  --lifetime S    shorter runs: requests and event times scale with it
  --json FILE     where to write the JSON report (default reports/suite-<time>.json)
  --floor         also run the trivial fixture replica, compiled as ours is, beside ours
                  on the quiet scenarios: the latency and start-up floor
  --straightforward
                  also run the straightforward build (textbook Raft: every put to every
                  follower, every append answered) beside ours on the quiet scenarios,
                  and print our messages as a share of its
  -h, --help      this text`;

const CLI = resolve(import.meta.dir, "cli.ts");

interface Job extends JobView {
  scenario: Scenario;
  path: string;
  seed: number | undefined;
  kind: RunKind;
  report?: RunReport;
  error?: string;
}

export interface FloorSummary {
  scenarios: string[];
  /** Median over the floor runs of their classic median latency, in seconds. */
  medianLatency: number;
  getP50: number;
  putP50: number;
  /** Our get/put p50 divided by the floor's median latency (same scenarios when run). */
  ratios: { get: number | null; put: number | null };
}

/**
 * Our messages beside the straightforward build's, on the same scenarios and seeds (means
 * a run), and what its every-follower sends buy it: put p50 (median over the runs, in s).
 */
export interface StraightforwardSummary {
  rows: { scenario: string; runs: number; theirs: number; ours: number | null; share: number | null; theirPutP50: number; ourPutP50: number | null }[];
}

export interface SuiteReport {
  startedAt: string;
  replica: string;
  jobs: number;
  lifetime: number | null;
  seeds: number[] | null;
  rows: ScenarioRow[];
  floor: FloorSummary | null;
  resources: ResourceSummary;
  /** The floor replica's program and its start-up and resources: what the host and runtime cost alone. */
  floorReplica: string | null;
  floorResources: ResourceSummary | null;
  /** The host's steal over every run, ours and the floor's. */
  hostSteal: StealSummary | null;
  runs: RunReport[];
  floorRuns: RunReport[];
  straightforward: StraightforwardSummary | null;
  straightforwardReplica: string | null;
  straightforwardRuns: RunReport[];
  errors: { label: string; error: string }[];
}

const children = new Set<Subprocess>();

async function runJob(job: Job, replica: string, lifetime: number | undefined, outDir: string, index: number): Promise<void> {
  const json = join(outDir, `run-${index}.json`);
  const args = [process.execPath, CLI, job.path, "--quiet", "--json", json, "--replica", replica];
  if (job.seed !== undefined) args.push("--seed", String(job.seed));
  if (lifetime !== undefined) args.push("--lifetime", String(lifetime));
  job.startedAt = performance.now();
  const proc = Bun.spawn(args, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  children.add(proc);
  const stderr = await new Response(proc.stderr).text();
  const code = await proc.exited;
  children.delete(proc);
  try {
    job.report = JSON.parse(readFileSync(json, "utf8")) as RunReport;
  } catch {
    job.error = `simulator exited with code ${code} and no report${stderr.trim() ? `: ${stderr.trim().slice(-500)}` : ""}`;
  }
  job.done = true;
}

async function runPool(jobs: Job[], parallel: number, work: (job: Job, index: number) => Promise<void>, progress: Progress): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i]!;
      await work(job, i);
      progress.finished(job, job.error ? "error" : job.report!.verdict.correct ? "pass" : "FAIL");
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
}

function floorSummary(floorRuns: RunReport[], ours: RunReport[]): FloorSummary | null {
  if (floorRuns.length === 0) return null;
  const names = [...new Set(floorRuns.map((r) => r.scenario))];
  const same = ours.filter((r) => names.includes(r.scenario));
  const base = same.length > 0 ? same : ours;
  const med = (xs: number[]) => (xs.length ? classicMedian(xs) : 0);
  const medianLatency = med(floorRuns.map((r) => r.stats.medianLatency));
  const ratio = (x: number) => (base.length > 0 && medianLatency > 0 ? x / medianLatency : null);
  return {
    scenarios: names,
    medianLatency,
    getP50: med(floorRuns.map((r) => r.extras.latency.get.p50)),
    putP50: med(floorRuns.map((r) => r.extras.latency.put.p50)),
    ratios: {
      get: ratio(med(base.map((r) => r.extras.latency.get.p50))),
      put: ratio(med(base.map((r) => r.extras.latency.put.p50))),
    },
  };
}

/** Mean total_msgs a run, ours and the straightforward build's, per scenario it ran. */
function straightforwardSummary(theirs: RunReport[], ours: RunReport[]): StraightforwardSummary | null {
  if (theirs.length === 0) return null;
  const mean = (runs: RunReport[]) => runs.reduce((sum, r) => sum + r.stats.totalMsgs, 0) / runs.length;
  const putP50 = (runs: RunReport[]) => classicMedian(runs.map((r) => r.extras.latency.put.p50));
  const rows = [...new Set(theirs.map((r) => r.scenario))].map((scenario) => {
    const mine = theirs.filter((r) => r.scenario === scenario);
    // Our runs of the same scenario and seeds, so that both means cover the same schedules.
    const seeds = new Set(mine.map((r) => r.seed));
    const same = ours.filter((r) => r.scenario === scenario && seeds.has(r.seed));
    const ourMean = same.length > 0 ? mean(same) : null;
    const theirMean = mean(mine);
    return {
      scenario,
      runs: mine.length,
      theirs: theirMean,
      ours: ourMean,
      share: ourMean === null || theirMean === 0 ? null : ourMean / theirMean,
      theirPutP50: putP50(mine),
      ourPutP50: same.length > 0 ? putP50(same) : null,
    };
  });
  return { rows };
}

export function formatStraightforward(summary: StraightforwardSummary): string {
  const lines = summary.rows.map((row) => {
    const ours = row.ours === null ? "ours n/a" : `ours ${row.ours.toFixed(1)}`;
    const share = row.share === null ? "" : `: ${(row.share * 100).toFixed(0)}% of its messages`;
    const ms = (s: number) => `${(s * 1000).toFixed(3)}ms`;
    const latency = `; its put p50 ${ms(row.theirPutP50)}${row.ourPutP50 === null ? "" : `, ours ${ms(row.ourPutP50)}`}`;
    return `  ${row.scenario} (${row.runs} run${row.runs === 1 ? "" : "s"}): ${row.theirs.toFixed(1)} messages a run, ${ours}${share}${latency}`;
  });
  return `\nStraightforward build (textbook Raft, test/fixtures/straightforward-raft.ts), total_msgs beside ours:\n${lines.join("\n")}`;
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<number> {
  const parsed = parseCommand(USAGE, {
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      jobs: { type: "string" },
      seeds: { type: "string" },
      replica: { type: "string" },
      lifetime: { type: "string" },
      json: { type: "string" },
      floor: { type: "boolean", default: false },
      straightforward: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  let parallel: number;
  let seeds: number[] | undefined;
  let lifetime: number | undefined;
  let scenarios: { path: string; scenario: Scenario }[];
  try {
    parallel = positiveInt("jobs", values.jobs, 1);
    seeds = values.seeds === undefined ? undefined : parseSeeds(values.seeds);
    if (values.lifetime !== undefined) {
      lifetime = Number(values.lifetime);
      if (!Number.isFinite(lifetime) || lifetime < 1) throw new Error(`--lifetime must be a number ≥ 1, got ${JSON.stringify(values.lifetime)}`);
    }
    const names = positionals.length > 0 ? positionals : [...OFFICIAL_SCENARIOS];
    // Validate --lifetime against each scenario now rather than in every run.
    scenarios = names.map((name) => ({ path: name, scenario: loadScenario(name, { lifetime }) }));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const replica = await resolveReplica(values.replica);
  const floorReplica = values.floor ? await resolveFloorReplica() : undefined;
  const straightforwardReplica = values.straightforward ? await resolveStraightforwardReplica() : undefined;

  const jobs: Job[] = [];
  const addJob = (kind: Job["kind"], { path, scenario }: (typeof scenarios)[number], seed: number | undefined) => {
    const label = runLabel(kind, scenario.name, seed);
    jobs.push({ label, lifetime: scenario.lifetime, startedAt: undefined, done: false, scenario, path, seed, kind });
  };
  const quiet = (x: (typeof scenarios)[number]) => x.scenario.events.length === 0 && x.scenario.drops === 0;
  // Each floor run is queued right after ours of the same scenario and seed, so the two
  // run side by side under the same load: queued after the whole suite, the floor of a
  // 24-minute run was measured some 20 minutes after ours.
  for (const entry of scenarios) {
    for (const seed of seeds ?? [undefined]) {
      addJob("ours", entry, seed);
      if (values.floor && quiet(entry)) addJob("floor", entry, seed);
      if (values.straightforward && quiet(entry)) addJob("straightforward", entry, seed);
    }
  }
  if (values.floor && !scenarios.some(quiet)) {
    const simple = { path: "simple-1", scenario: loadScenario("simple-1", { lifetime }) };
    for (const seed of seeds ?? [undefined]) addJob("floor", simple, seed);
  }
  // The straightforward build is correct only where nobody is deposed: with no quiet
  // scenario chosen it gets none (its count would not be beside ours anyway).
  if (values.straightforward && !scenarios.some(quiet)) console.error("suite: --straightforward runs only on quiet scenarios (no drops, no events); none chosen");

  const outDir = mkdtempSync(join(tmpdir(), "kvsuite-"));
  const unregister = registerCleanup(() => {
    // Each simulator kills its own replicas on SIGTERM; give them a moment to do it.
    for (const child of children) child.kill("SIGTERM");
    const deadline = Date.now() + 3000;
    while ([...children].some((c) => processAlive(c.pid)) && Date.now() < deadline) Bun.sleepSync(20);
    removeDir(outDir);
  });

  const started = new Date();
  const t0 = performance.now();
  console.error(`suite: ${jobs.length} runs, ${parallel} at a time, replica ${replica}`);
  const progress = new Progress(jobs, parallel);
  progress.start();
  try {
    const programs: Record<RunKind, string> = { ours: replica, floor: floorReplica ?? replica, straightforward: straightforwardReplica ?? replica };
    await runPool(jobs, parallel, (job, i) => runJob(job, programs[job.kind], lifetime, outDir, i), progress);
  } finally {
    progress.stop();
    unregister();
    removeDir(outDir);
  }

  const runsOf = (kind: RunKind) => jobs.filter((j) => j.kind === kind && j.report).map((j) => j.report!);
  const ours = runsOf("ours");
  const floorRuns = runsOf("floor");
  const straightforwardRuns = runsOf("straightforward");
  const errors = jobs.filter((j) => j.error).map((j) => ({ label: j.label, error: j.error! }));
  const rows = aggregate(ours);
  const floor = floorSummary(floorRuns, ours);
  const report: SuiteReport = {
    startedAt: started.toISOString(),
    replica,
    jobs: parallel,
    lifetime: lifetime ?? null,
    seeds: seeds ?? null,
    rows,
    floor,
    resources: resourceSummary(ours),
    floorReplica: floorReplica ?? null,
    floorResources: floorRuns.length > 0 ? resourceSummary(floorRuns, true) : null,
    hostSteal: stealSummary(ours, floorRuns),
    runs: ours,
    floorRuns,
    straightforward: straightforwardSummary(straightforwardRuns, ours),
    straightforwardReplica: straightforwardReplica ?? null,
    straightforwardRuns,
    errors,
  };

  console.log(formatTable(rows));
  for (const e of errors) console.log(`error: ${e.label}: ${e.error}`);
  if (floor) {
    const r = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(2)}×`);
    console.log(
      `\nLatency floor (trivial replica on ${floor.scenarios.join(", ")}): median ${(floor.medianLatency * 1000).toFixed(3)}ms ` +
        `(get p50 ${(floor.getP50 * 1000).toFixed(3)}ms, put p50 ${(floor.putP50 * 1000).toFixed(3)}ms); ` +
        `ours over the floor: get ${r(floor.ratios.get)}, put ${r(floor.ratios.put)}`,
    );
  }
  console.log(formatResources(report.resources));
  const split = formatCpuSplit(report.resources);
  if (split) console.log(split);
  if (report.floorResources) console.log(formatResources(report.floorResources, "Floor replicas"));
  if (report.straightforward) console.log(formatStraightforward(report.straightforward));
  console.log(formatSteal(report.hostSteal));
  const jsonPath = resolve(values.json ?? join(REPO_ROOT, "reports", `suite-${started.toISOString().replace(/[:.]/g, "-")}.json`));
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  const failed = jobs.filter((j) => j.kind === "ours" && (j.error || !j.report?.verdict.correct)).length;
  console.log(`\n${jobs.length} runs in ${formatDuration((performance.now() - t0) / 1000)}; ${failed === 0 ? "all correct" : `${failed} failed correctness`}; report ${jsonPath}`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) runCommand("suite", main);
