// Optional tuning of the Raft timers from the environment (KV_RAFT='{"heartbeatInterval":500}'),
// for experiments and benchmarks; the defaults are what the product ships with.
import * as v from "valibot";
import { DEFAULT_CONFIG, validateConfig, type RaftConfig } from "./raft/types.ts";

const Millis = v.pipe(v.number(), v.finite(), v.minValue(0));
const Overrides = v.strictObject({
  electionTimeoutMin: v.optional(Millis),
  electionTimeoutMax: v.optional(Millis),
  firstElectionMin: v.optional(Millis),
  firstElectionMax: v.optional(Millis),
  heartbeatInterval: v.optional(Millis),
  retransmitInterval: v.optional(Millis),
  leaseDuration: v.optional(Millis),
  maxAppendBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(15000))),
  announceCommits: v.optional(v.boolean()),
  fanoutTarget: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  electOnDemand: v.optional(v.boolean()),
});

/**
 * KV_RAFT's JSON (or the same text from another source, named in errors by `source`:
 * `bun run replay --raft`) merged over the defaults and checked by validateConfig.
 */
export function configFromEnv(text: string | undefined, source = "KV_RAFT"): { ok: true; config: RaftConfig } | { ok: false; error: string } {
  if (text === undefined || text.trim() === "") return { ok: true, config: DEFAULT_CONFIG };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `${source} is not JSON: ${(error as Error).message}` };
  }
  const result = v.safeParse(Overrides, parsed);
  if (!result.success) {
    const issue = result.issues[0]!;
    return { ok: false, error: `${source}${issue.path ? `.${issue.path.map((p) => String(p.key)).join(".")}` : ""}: ${issue.message}` };
  }
  const merged = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(result.output)) if (value !== undefined) Object.assign(merged, { [key]: value });
  try {
    return { ok: true, config: validateConfig(merged) };
  } catch (error) {
    return { ok: false, error: `${source}: ${(error as Error).message}` };
  }
}

const WarmUpOperations = v.pipe(v.string(), v.regex(/^\d{1,6}$/, "must be a whole number of operations (0 turns warm-up off)"), v.transform(Number));

/** KV_WARMUP: how many operations the JIT warm-up runs (warmup.ts); absent: the default. */
export function warmUpFromEnv(text: string | undefined, fallback: number): { ok: true; operations: number } | { ok: false; error: string } {
  if (text === undefined || text.trim() === "") return { ok: true, operations: fallback };
  const result = v.safeParse(WarmUpOperations, text.trim());
  return result.success ? { ok: true, operations: result.output } : { ok: false, error: `KV_WARMUP: ${result.issues[0]!.message}` };
}

const TimesPath = v.pipe(v.string(), v.check((p) => p.startsWith("/"), "must be an absolute path (the replica runs in the simulator's directory)"));

/** KV_TIMES: where to save every packet's read and write time at exit (packet-times.ts); absent: nowhere. */
export function timesPathFromEnv(text: string | undefined): { ok: true; path: string | undefined } | { ok: false; error: string } {
  if (text === undefined || text.trim() === "") return { ok: true, path: undefined };
  const result = v.safeParse(TimesPath, text);
  return result.success ? { ok: true, path: result.output } : { ok: false, error: `KV_TIMES: ${result.issues[0]!.message}` };
}
