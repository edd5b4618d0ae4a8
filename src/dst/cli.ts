// `bun run dst`: replay one seed (with its trace), soak many seeds, or fuzz the boundary.
// Exit code: 0 all correct, 1 a violation was found, 2 bad usage.
import { parseOrUsage } from "../util/usage.ts";
import { parseDstArgs, USAGE, type Command } from "./cli-args.ts";
import { fuzzBoundary } from "./fuzz.ts";
import { reproduceCommand, runSeed } from "./run.ts";
import { range, soak } from "./soak.ts";
import { describeScenario } from "./scenario.ts";

function main(argv: string[]): number {
  const command = parseOrUsage(USAGE, () => parseDstArgs(argv), "dst: ");
  if (typeof command === "number") return command;
  switch (command.kind) {
    case "help":
      console.log(USAGE);
      return 0;
    case "one":
      return one(command);
    case "soak":
      return soakCommand(command);
    case "fuzz": {
      const report = fuzzBoundary({ packets: command.count, seed: command.seed, log: (line) => console.log(line) });
      console.log(report.summary);
      return report.problems.length === 0 ? 0 : 1;
    }
  }
}

function one(command: Extract<Command, { kind: "one" }>): number {
  const started = performance.now();
  const result = runSeed(command.seed, { ...command, trace: command.trace ? (line) => console.log(line) : undefined });
  if (!command.trace) console.log(describeScenario(result.scenario));
  console.log(
    `${result.ops} ops (${result.oks} ok), ${result.events} events, ${result.elections} terms with a leader, ` +
      `${result.successorDuplicates} successor duplicates, ${result.abandoned} abandoned, ${result.virtualMs.toFixed(0)} virtual ms in ${(performance.now() - started).toFixed(0)} ms`,
  );
  if (result.undecided !== undefined) console.log(`checker undecided: ${result.undecided}`);
  for (const violation of result.violations) console.log(`VIOLATION ${violation}`);
  if (result.violations.length === 0) console.log("ok");
  return result.violations.length === 0 ? 0 : 1;
}

function soakCommand(command: Extract<Command, { kind: "soak" }>): number {
  const total = command.to - command.from + 1;
  let done = 0;
  let lastReport = performance.now();
  const started = lastReport;
  const summary = soak(range(command.from, command.to), command, (result) => {
    done++;
    if (result.violations.length > 0) console.log(`FAIL seed ${result.seed}: ${result.violations[0]}\n  reproduce: ${reproduceCommand(result.seed)}`);
    const now = performance.now();
    if (now - lastReport > 5000) {
      lastReport = now;
      console.log(`${done}/${total} seeds, ${((done * 1000) / (now - started)).toFixed(1)} seeds/s`);
    }
  });
  const seconds = summary.ms / 1000;
  console.log(
    `${summary.seeds} seeds in ${seconds.toFixed(1)} s: ${(summary.seeds / seconds).toFixed(1)} seeds/s, ` +
      `${summary.ops} client ops, ${summary.events} events, ${summary.elections} terms with a leader, ${summary.successorDuplicates} successor duplicates, ${summary.abandoned} requests abandoned unanswered`,
  );
  console.log(`by size: ${[...summary.bySize].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k}:${n}`).join(" ")}; by mix: ${[...summary.byMix].map(([k, n]) => `${k}:${n}`).join(" ")}`);
  if (summary.undecided.length > 0) console.log(`checker undecided (budget) on ${summary.undecided.length} seeds: ${summary.undecided.slice(0, 20).join(" ")}`);
  console.log(summary.failures.length === 0 ? "no violations" : `${summary.failures.length} failing seeds: ${summary.failures.map((f) => f.seed).join(" ")}`);
  return summary.failures.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
