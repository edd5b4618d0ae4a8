// `bun run profile <scenario>`: one run of a scenario with every replica under Bun's
// sampling profiler, to see where a replica's main thread spends its time in the real
// simulator (cold processes woken by each packet), which the in-process benchmarks cannot
// show. The replica is compiled as ./3700kvstore is, but with its names kept and
// `--cpu-prof` baked into its arguments (scripts/build.ts, buildProfiled).
import { mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildProfiled } from "../../scripts/build.ts";
import { integerOption, parseCommand, parseOrUsage, UsageError } from "../util/usage.ts";
import { BROADCAST } from "../wire/messages.ts";
import { runCommand } from "./cleanup.ts";
import { formatProfileSummary, parseCpuProfile, summarizeCpuProfile } from "./cpu-profile.ts";
import { REPO_ROOT } from "./replica-path.ts";
import type { RunReport } from "./report.ts";
import { runScenario } from "./run.ts";
import { loadScenario } from "./scenario.ts";

export const USAGE = `usage: bun run profile <scenario name or file> [options]
  --seed N          random seed (overrides the scenario's)
  --lifetime S      run for S seconds (default: the scenario's)
  --out DIR         where the profiles go (default reports/profile-<scenario>-<time>);
                    each replica's as <ID>.cpuprofile (Chrome DevTools) and <ID>.md
  --top K           functions listed per replica (default 12)
  --from S          count samples from S seconds after a replica started (default: the
                    scenario's start_wait, when clients begin: start-up and warm-up left out)
  --interval US     sampling interval in microseconds (default 1000, Bun's own: the
                    sampler's thread costs CPU, ~2 s a replica over 30 s at 200)
  -h, --help        this text
A replica the scenario kills leaves no profile: it cannot write one when SIGKILLed.`;

export interface ProfileArgs {
  scenario: string;
  seed: number | undefined;
  lifetime: number | undefined;
  out: string;
  top: number;
  intervalUs: number;
  /** Undefined: the scenario's start_wait. */
  fromSeconds: number | undefined;
}

export function parseProfileArgs(argv: string[], now = new Date()): ProfileArgs | number {
  const parsed = parseCommand(USAGE, {
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      seed: { type: "string" },
      lifetime: { type: "string" },
      out: { type: "string" },
      top: { type: "string" },
      interval: { type: "string" },
      from: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  return parseOrUsage(USAGE, () => {
    if (positionals.length !== 1) throw new UsageError(`expected exactly one scenario, got ${positionals.length}`);
    const scenario = positionals[0]!;
    const out = resolve(values.out ?? join(REPO_ROOT, "reports", `profile-${scenario.replace(/[^\w.-]/g, "_")}-${now.toISOString().replace(/[:.]/g, "-")}`));
    // The directory is baked into the replica's arguments, which Bun splits at spaces.
    if (/\s/.test(out)) throw new UsageError(`--out must be a path without spaces, got ${JSON.stringify(out)}`);
    return {
      scenario,
      seed: values.seed === undefined ? undefined : integerOption("seed", values.seed, 0, 2 ** 31 - 1),
      lifetime: values.lifetime === undefined ? undefined : integerOption("lifetime", values.lifetime, 1, 3600),
      out,
      top: values.top === undefined ? 12 : integerOption("top", values.top, 1, 1000),
      intervalUs: values.interval === undefined ? 1000 : integerOption("interval", values.interval, 50, 100_000),
      fromSeconds: values.from === undefined ? undefined : integerOption("from", values.from, 0, 3600),
    };
  });
}

/**
 * Renames each replica's profile (Bun names them CPU.<date>.<pid>.<n>.cpuprofile and
 * .md) after its ID; returns the IDs whose profile was found.
 */
export function nameProfiles(dir: string, replicas: readonly { id: string; pid: number | null }[]): Set<string> {
  const idOf = new Map(replicas.flatMap(({ id, pid }) => (pid === null ? [] : [[pid, id] as const])));
  const found = new Set<string>();
  for (const file of readdirSync(dir)) {
    const match = /^CPU\.[\d.]+?\.(\d+)\.\d+\.\d+\.(cpuprofile|md)$/.exec(file);
    if (match === null) continue;
    const id = idOf.get(Number(match[1]));
    if (id === undefined) continue;
    renameSync(join(dir, file), join(dir, `${id}.${match[2]}`));
    if (match[2] === "cpuprofile") found.add(id);
  }
  return found;
}

function lastLeader(report: RunReport): string | undefined {
  return report.stats.leaders.filter((id) => id !== BROADCAST).at(-1);
}

async function main(): Promise<number> {
  const args = parseProfileArgs(process.argv.slice(2));
  if (typeof args === "number") return args;
  let scenario;
  try {
    scenario = loadScenario(args.scenario, { lifetime: args.lifetime });
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  mkdirSync(args.out, { recursive: true });
  console.log(`building a profiling replica (sampling every ${args.intervalUs} µs into ${args.out})`);
  const replica = await buildProfiled(args.out, args.intervalUs);
  console.log(`running ${scenario.name}${args.seed === undefined ? "" : ` seed ${args.seed}`} for ${scenario.lifetime} s`);
  const report = await runScenario({ scenario, replica, seed: args.seed, quiet: true });
  const found = nameProfiles(args.out, report.replicaInfo);
  const leader = lastLeader(report);
  const failed = report.verdict.checks.filter((check) => !check.ok).map((check) => `${check.name} (${check.detail})`);
  console.log(`correct: ${report.verdict.correct}${failed.length > 0 ? ` (failed: ${failed.join("; ")})` : ""}; leaders: ${report.stats.leaders.join(" ")}`);
  const fromSeconds = args.fromSeconds ?? scenario.startWait;
  console.log(`samples counted from ${fromSeconds} s after each replica started\n`);
  for (const info of report.replicaInfo) {
    const label = `${info.id}${info.id === leader ? " (leader at the end)" : ""}, CPU ${info.cpuSeconds?.toFixed(2) ?? "?"} s`;
    const path = join(args.out, `${info.id}.cpuprofile`);
    if (!found.has(info.id)) {
      console.log(`${label}: no profile (killed, or it never started)\n`);
      continue;
    }
    const parsed = parseCpuProfile(readFileSync(path, "utf8"));
    if (!parsed.ok) {
      console.log(`${label}: ${path}: ${parsed.reason}\n`);
      continue;
    }
    console.log(`${formatProfileSummary(label, summarizeCpuProfile(parsed.profile, args.top, fromSeconds * 1e6), args.intervalUs)}\n`);
  }
  console.log(`profiles: ${args.out} (<ID>.cpuprofile opens in Chrome DevTools; <ID>.md is Bun's own summary)`);
  return report.verdict.correct ? 0 : 1;
}

if (import.meta.main) runCommand("profile", main);
