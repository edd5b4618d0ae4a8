// `bun run sim <scenario> [options]`: one run of one scenario, printed the classic way.
// Exit code: 0 correct, 1 correctness failed, 2 bad usage or scenario.
import { mkdirSync, writeFileSync } from "node:fs";
import { parseOptions, UsageError } from "../util/usage.ts";
import { runCommand } from "./cleanup.ts";
import { formatReport } from "./report.ts";
import { resolveReplica } from "./replica-path.ts";
import { runScenario } from "./run.ts";
import { loadScenario } from "./scenario.ts";

const USAGE = `usage: bun run sim <scenario name or file> [options]
  --replica PATH   replica program (default ./3700kvstore, rebuilt if stale)
  --seed N         random seed (overrides the scenario's)
  --lifetime S     run for S seconds; requests and event times scale with it
  --json FILE      write the full report as JSON
  --trace FILE     write every packet with its time (read it with: bun run hops FILE)
  --times DIR      with --trace: each replica saves when it read and wrote each packet
                   into DIR (read both with: bun run hops FILE --times DIR)
  --quiet          no replica output; print only the report
  -h, --help       this text`;

export interface CliOptions {
  scenario: string;
  replica: string | undefined;
  seed: number | undefined;
  lifetime: number | undefined;
  json: string | undefined;
  trace: string | undefined;
  times: string | undefined;
  quiet: boolean;
}


function number(name: string, text: string | undefined, integer: boolean, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"} ≥ ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function parseCli(argv: string[]): CliOptions | "help" {
  const { values, positionals } = parseOptions({
    args: argv,
    allowPositionals: true,
    options: {
      replica: { type: "string" },
      seed: { type: "string" },
      lifetime: { type: "string" },
      json: { type: "string" },
      trace: { type: "string" },
      times: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  if (positionals.length !== 1) throw new UsageError(`expected exactly one scenario, got ${positionals.length}`);
  if (values.times !== undefined && values.trace === undefined) throw new UsageError("--times needs --trace: the replicas' times are read against the trace");
  return {
    scenario: positionals[0]!,
    replica: values.replica,
    seed: number("seed", values.seed, true, 0),
    lifetime: number("lifetime", values.lifetime, false, 1),
    json: values.json,
    trace: values.trace,
    times: values.times,
    quiet: values.quiet ?? false,
  };
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseCli(process.argv.slice(2));
    if (opts === "help") {
      console.log(USAGE);
      return 0;
    }
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  let scenario;
  try {
    scenario = loadScenario(opts.scenario, { lifetime: opts.lifetime });
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const replica = await resolveReplica(opts.replica);
  const lines: string[] = [];
  const trace = opts.trace === undefined ? undefined : (line: string) => lines.push(line);
  if (opts.times !== undefined) {
    try {
      mkdirSync(opts.times, { recursive: true });
    } catch (error) {
      console.error(`cannot make --times directory ${opts.times}: ${(error as Error).message}`);
      return 2;
    }
  }
  const report = await runScenario({ scenario, replica, seed: opts.seed, quiet: opts.quiet, trace, times: opts.times });
  if (opts.trace !== undefined) writeFileSync(opts.trace, `${lines.join("\n")}\n`);
  console.log(formatReport(report));
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  return report.verdict.correct ? 0 : 1;
}

if (import.meta.main) runCommand("simulator", main);
