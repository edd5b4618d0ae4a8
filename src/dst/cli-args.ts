// The dst command line, parsed and validated apart from running it (so tests can check it).
import { integerOption as integer, parseOptions, UsageError } from "../util/usage.ts";
import { isMixName, type MixName } from "./scenario.ts";

export const USAGE = `usage: bun run dst (--seed N [--trace] | --seeds COUNT|A-B | --fuzz COUNT) [options]
  --seed N          replay one run; with --trace, print every event
  --seeds COUNT     soak seeds 1..COUNT (or a range A-B) and print seeds per second
  --fuzz COUNT      send COUNT random and mutated packets through decode() into a cluster
  --mix NAME        force a fault mix (lossy, partitions, crashes, churn, chaos)
  --size N          force a cluster size (3..9)
  --strict-replies  count a successor leader's second ok for a put as a violation
  -h, --help        this text`;

export { UsageError };

export type Command =
  | { kind: "help" }
  | { kind: "one"; seed: number; trace: boolean; mix?: MixName; size?: number; strictReplies: boolean }
  | { kind: "soak"; from: number; to: number; mix?: MixName; size?: number; strictReplies: boolean }
  | { kind: "fuzz"; count: number; seed: number };

const MAX_SEED = 2 ** 32 - 1;

export function parseDstArgs(argv: string[]): Command {
  const { values } = parseOptions({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      seed: { type: "string" },
      seeds: { type: "string" },
      fuzz: { type: "string" },
      trace: { type: "boolean", default: false },
      mix: { type: "string" },
      size: { type: "string" },
      "strict-replies": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return { kind: "help" };
  const modes = [values.seed, values.seeds, values.fuzz].filter((x) => x !== undefined).length;
  if (modes !== 1) throw new UsageError("give exactly one of --seed, --seeds, --fuzz");
  if (values.trace && values.seed === undefined) throw new UsageError("--trace goes with --seed");
  let mix: MixName | undefined;
  if (values.mix !== undefined) {
    if (!isMixName(values.mix)) throw new UsageError(`unknown --mix ${JSON.stringify(values.mix)}`);
    mix = values.mix;
  }
  const size = values.size === undefined ? undefined : integer("size", values.size, 3, 9);
  const strictReplies = values["strict-replies"];
  const shape = { ...(mix !== undefined ? { mix } : {}), ...(size !== undefined ? { size } : {}), strictReplies };
  if (values.fuzz !== undefined) return { kind: "fuzz", count: integer("fuzz", values.fuzz, 1, 100_000_000), seed: 1 };
  if (values.seed !== undefined) return { kind: "one", seed: integer("seed", values.seed, 0, MAX_SEED), trace: values.trace, ...shape };
  const text = values.seeds!;
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  if (range) {
    const from = integer("seeds", range[1]!, 0, MAX_SEED);
    const to = integer("seeds", range[2]!, 0, MAX_SEED);
    if (to < from) throw new UsageError(`--seeds range ${text} is empty`);
    return { kind: "soak", from, to, ...shape };
  }
  return { kind: "soak", from: 1, to: integer("seeds", text, 1, MAX_SEED), ...shape };
}
