// Where a replica's main thread spends its time, from the .cpuprofile that Bun's
// `--cpu-prof` writes (Chrome DevTools' format). JavaScriptCore samples the thread only
// while it runs JavaScript or a native function called from it, so the samples count the
// work, not the idle waits; each stands for about one sampling interval. The profile's
// time deltas do include the waits, which is why we count samples rather than sum deltas.
import * as v from "valibot";

const CallFrame = v.object({ functionName: v.string(), url: v.string(), lineNumber: v.number() });
const ProfileNode = v.object({ id: v.number(), callFrame: CallFrame });
const CpuProfile = v.pipe(
  v.object({ nodes: v.array(ProfileNode), samples: v.array(v.number()), timeDeltas: v.array(v.number()) }),
  v.check((p) => p.timeDeltas.length === p.samples.length, "samples and timeDeltas differ in length"),
);

export type CpuProfileData = v.InferOutput<typeof CpuProfile>;

export interface HotFunction {
  /** The function's name, `(anonymous)` when it has none. */
  name: string;
  /** Where it is: a URL with its line, or `[native code]`. */
  location: string;
  samples: number;
  /** Of the samples counted, in percent. */
  percent: number;
}

export interface ProfileSummary {
  /** Samples counted: those at or after `fromUs`. */
  samples: number;
  /** By self samples, most first; ties by name. */
  hottest: HotFunction[];
}

/** The profile in `text`, or why it is not one. */
export function parseCpuProfile(text: string): { ok: true; profile: CpuProfileData } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const result = v.safeParse(CpuProfile, json);
  if (!result.success) return { ok: false, reason: `not a .cpuprofile: ${result.issues[0]?.message ?? "unknown"}` };
  return { ok: true, profile: result.output };
}

function locationOf(frame: CpuProfileData["nodes"][number]["callFrame"]): string {
  if (frame.url === "") return "[native code]";
  return frame.lineNumber >= 0 ? `${frame.url}:${frame.lineNumber + 1}` : frame.url;
}

/**
 * Self samples per function (the same function reached by different paths counted once),
 * of the samples taken `fromUs` or more after the profile began: a replica's profile
 * starts with its process, so skipping the scenario's start_wait leaves start-up and the
 * JIT warm-up out and the work on requests in.
 */
export function summarizeCpuProfile(profile: CpuProfileData, top: number, fromUs = 0): ProfileSummary {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const counts = new Map<string, Omit<HotFunction, "percent">>();
  let at = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    if (at < fromUs) continue;
    total++;
    const frame = byNode.get(profile.samples[i]!);
    if (frame === undefined) continue;
    const name = frame.functionName === "" ? "(anonymous)" : frame.functionName;
    const location = locationOf(frame);
    const key = `${name}\u0000${location}`;
    const entry = counts.get(key) ?? { name, location, samples: 0 };
    entry.samples++;
    counts.set(key, entry);
  }
  const hottest = [...counts.values()]
    .map((entry) => ({ ...entry, percent: total === 0 ? 0 : (100 * entry.samples) / total }))
    .sort((a, b) => b.samples - a.samples || a.name.localeCompare(b.name))
    .slice(0, top);
  return { samples: total, hottest };
}

/** A few lines: the sample count and the hottest functions with their share. */
export function formatProfileSummary(label: string, summary: ProfileSummary, intervalUs: number): string {
  const ms = (summary.samples * intervalUs) / 1000;
  const lines = [`${label}: ${summary.samples} samples (about ${ms.toFixed(0)} ms running JavaScript or what it called)`];
  for (const f of summary.hottest) lines.push(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.location}`);
  return lines.join("\n");
}
