// Scenario files (SPEC §3 configuration), checked with valibot so that a bad file is
// reported by file, field and rule instead of failing somewhere in the middle of a run.
import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import * as v from "valibot";

export const EVENT_TYPES = ["kill_leader", "kill_non_leader", "part_easy", "part_hard", "part_end"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const METRICS = ["total_msgs", "failures", "duplicates", "median_latency"] as const;
export type Metric = (typeof METRICS)[number];
/** [bonus, pass, partial]: value < tier[0] is Bonus, < tier[1] Passed, < tier[2] Partial. */
export type Tiers = readonly [number, number, number];

/** Where the 17 official scenarios live. */
export const SCENARIO_DIR = resolve(import.meta.dir, "../../test/scenarios");

const nonNegative = (field: string) =>
  v.pipe(v.number(`${field} must be a number`), v.minValue(0, `${field} must be ≥ 0`));
const fraction = (field: string) =>
  v.optional(v.pipe(v.number(`${field} must be a number`), v.minValue(0, `${field} must be between 0 and 1`), v.maxValue(1, `${field} must be between 0 and 1`)));
const tiers = (field: string) =>
  v.optional(
    v.pipe(
      v.array(nonNegative(field), `${field} must be a list of three tiers [bonus, pass, partial]`),
      v.length(3, `${field} must have exactly three tiers [bonus, pass, partial]`),
      v.check((t) => t.length !== 3 || (t[0]! <= t[1]! && t[1]! <= t[2]!), `${field} tiers must be in order bonus ≤ pass ≤ partial`),
      v.transform((t) => [t[0]!, t[1]!, t[2]!] as const),
    ),
  );

const EventSchema = v.strictObject(
  {
    type: v.picklist(EVENT_TYPES, `event type must be one of ${EVENT_TYPES.join(", ")}`),
    time: nonNegative("event time"),
  },
  "an event must be an object with exactly the fields type and time",
);

const TestsSchema = v.strictObject(
  {
    benchmarks: v.optional(
      v.strictObject(
        Object.fromEntries(METRICS.map((m) => [m, tiers(m)])) as Record<Metric, ReturnType<typeof tiers>>,
        `benchmarks may only hold ${METRICS.join(", ")}`,
      ),
    ),
    maximum_get_fail_fraction: fraction("maximum_get_fail_fraction"),
    maximum_put_fail_fraction: fraction("maximum_put_fail_fraction"),
    maximum_get_generation_fail_fraction: fraction("maximum_get_generation_fail_fraction"),
    maximum_appends_batched_fraction: fraction("maximum_appends_batched_fraction"),
  },
  "tests may only hold benchmarks and the four maximum_* fractions",
);

export const ScenarioSchema = v.pipe(
  v.strictObject(
    {
      description: v.optional(v.string("description must be a string")),
      lifetime: v.pipe(v.number("lifetime is required and must be a number"), v.minValue(5, "lifetime must be at least 5 seconds")),
      replicas: v.pipe(
        v.number("replicas is required and must be a number"),
        v.integer("replicas must be an integer"),
        v.minValue(3, "replicas must be between 3 and 21"),
        v.maxValue(21, "replicas must be between 3 and 21"),
      ),
      requests: v.pipe(v.number("requests is required and must be a number"), v.integer("requests must be an integer"), v.minValue(0, "requests cannot be negative")),
      seed: v.optional(v.union([v.pipe(v.number(), v.integer(), v.minValue(0)), v.string()], "seed must be a non-negative integer or a string")),
      mix: fraction("mix"),
      start_wait: v.optional(nonNegative("start_wait")),
      end_wait: v.optional(nonNegative("end_wait")),
      drops: fraction("drops"),
      max_packets: v.optional(v.pipe(v.number("max_packets must be a number"), v.integer("max_packets must be an integer"), v.maxValue(900000, "max_packets must be at most 900000"))),
      events: v.optional(v.array(EventSchema, "events must be a list")),
      tests: v.optional(TestsSchema),
    },
    (issue) =>
      issue.received === "undefined"
        ? "required field is missing"
        : issue.path?.length
          ? "unknown field (not part of the scenario format)"
          : `a scenario must be a JSON object, got ${issue.received}`,
  ),
  v.forward(
    v.check((c) => (c.start_wait ?? 2) + (c.end_wait ?? 2) < c.lifetime, "start_wait + end_wait must be less than lifetime"),
    ["start_wait"],
  ),
  v.forward(
    v.check((c) => (c.max_packets ?? 20000) >= c.requests, "max_packets must be at least requests"),
    ["max_packets"],
  ),
  v.forward(
    v.check((c) => (c.events ?? []).every((e) => e.time <= c.lifetime), "every event time must be between 0 and lifetime"),
    ["events"],
  ),
);

export type ScenarioFile = v.InferOutput<typeof ScenarioSchema>;

/** A scenario with every default filled in: what a run actually uses. */
export interface Scenario {
  name: string;
  lifetime: number;
  replicas: number;
  requests: number;
  /** Absent: the run picks one and reports it. */
  seed: number | string | undefined;
  mix: number;
  startWait: number;
  endWait: number;
  drops: number;
  maxPackets: number;
  events: { type: EventType; time: number }[];
  benchmarks: Partial<Record<Metric, Tiers>>;
  maxGetFailFraction: number;
  maxPutFailFraction: number;
  maxGetGenerationFailFraction: number;
  maxAppendsBatchedFraction: number;
}

export class ScenarioError extends Error {}

/** Validates parsed JSON; `source` names the file in every message. */
export function parseScenario(input: unknown, source: string, name = scenarioName(source)): Scenario {
  const result = v.safeParse(ScenarioSchema, input);
  if (!result.success) {
    const lines = result.issues.map((issue) => `  field ${v.getDotPath(issue) ?? "(top level)"}: ${issue.message}`);
    throw new ScenarioError(`${source}: invalid scenario\n${lines.join("\n")}`);
  }
  const c = result.output;
  const t = c.tests ?? {};
  return {
    name,
    lifetime: c.lifetime,
    replicas: c.replicas,
    requests: c.requests,
    seed: c.seed,
    mix: c.mix ?? 0.8,
    startWait: c.start_wait ?? 2,
    endWait: c.end_wait ?? 2,
    drops: c.drops ?? 0,
    maxPackets: c.max_packets ?? 20000,
    events: (c.events ?? []).map((e) => ({ type: e.type, time: e.time })),
    benchmarks: Object.fromEntries(Object.entries(t.benchmarks ?? {}).filter(([, tier]) => tier !== undefined)) as Partial<Record<Metric, Tiers>>,
    maxGetFailFraction: t.maximum_get_fail_fraction ?? 0.5,
    maxPutFailFraction: t.maximum_put_fail_fraction ?? 0.5,
    maxGetGenerationFailFraction: t.maximum_get_generation_fail_fraction ?? 0.1,
    maxAppendsBatchedFraction: t.maximum_appends_batched_fraction ?? 0.5,
  };
}

function scenarioName(path: string): string {
  return basename(path).replace(/\.json$/, "");
}

/** A path to a scenario file, or the name of an official one (`simple-1`). */
export function resolveScenarioPath(nameOrPath: string): string {
  if (existsSync(nameOrPath)) return nameOrPath;
  const official = join(SCENARIO_DIR, `${nameOrPath}.json`);
  if (existsSync(official)) return official;
  throw new ScenarioError(`${nameOrPath}: no such scenario file, and not an official scenario name (see ${SCENARIO_DIR})`);
}

/** The scenario named or at `nameOrPath`; with `lifetime`, rescaled to it (withLifetime). */
export function loadScenario(nameOrPath: string, options: { lifetime?: number | undefined } = {}): Scenario {
  const path = resolveScenarioPath(nameOrPath);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ScenarioError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const scenario = parseScenario(json, path);
  return options.lifetime === undefined ? scenario : withLifetime(scenario, options.lifetime);
}

/** The official scenario names, in the order of SPEC §4. */
export const OFFICIAL_SCENARIOS = [
  "simple-1", "simple-2",
  "unreliable-1", "unreliable-2", "unreliable-3",
  "crash-1", "crash-2", "crash-3", "crash-4",
  "partition-1", "partition-2", "partition-3", "partition-4",
  "advanced-1", "advanced-2", "advanced-3", "advanced-4",
] as const;

/**
 * A shorter (or longer) run of the same scenario. The workload part of the run (after
 * start_wait, which is the replicas' start-up time and stays as it is) is stretched by
 * g = (lifetime' - start_wait) / (lifetime - start_wait): requests, event times and end_wait
 * scale by g, so the request rate and the events' places in the run are kept. The
 * total_msgs tiers scale by lifetime'/lifetime, since heartbeats count from time 0.
 */
export function withLifetime(s: Scenario, lifetime: number): Scenario {
  if (!(lifetime > s.startWait)) throw new ScenarioError(`--lifetime ${lifetime} must be longer than start_wait (${s.startWait} s)`);
  const g = (lifetime - s.startWait) / (s.lifetime - s.startWait);
  const f = lifetime / s.lifetime;
  const msgs = s.benchmarks.total_msgs;
  return {
    ...s,
    lifetime,
    requests: Math.max(1, Math.round(s.requests * g)),
    endWait: s.endWait * g,
    events: s.events.map((e) => ({ type: e.type, time: e.time * g })),
    benchmarks: { ...s.benchmarks, ...(msgs ? { total_msgs: [msgs[0] * f, msgs[1] * f, msgs[2] * f] as const } : {}) },
  };
}
