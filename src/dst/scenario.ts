// Everything about one simulation run, derived from its seed alone: cluster size, the
// network's behaviour, which faults strike and how often, the clients and the run length.
import { pick, randomInt, seededRandom } from "../util/prng.ts";
import type { NetworkParams } from "./network.ts";

export type FaultKind =
  | "split" // a random majority/minority partition
  | "split-leader" // a partition with the leader on the minority side
  | "isolate-leader"
  | "one-way" // some directed links cut, the reverse ones not
  | "flap" // links that go down and up every few hundred ms
  | "crash-leader"
  | "crash-follower"
  | "restart"
  | "heal";

/** Named fault mixes: every seed picks one, so each kind of trouble gets its share. */
export const MIXES = {
  lossy: ["heal"],
  partitions: ["split", "split-leader", "isolate-leader", "one-way", "flap", "heal"],
  crashes: ["crash-leader", "crash-follower", "restart", "restart"],
  // Leader changes while entries are only partly replicated (Raft Figure 8).
  churn: ["isolate-leader", "crash-leader", "split-leader", "restart", "heal"],
  chaos: ["split", "split-leader", "isolate-leader", "one-way", "flap", "crash-leader", "crash-follower", "restart", "heal"],
} as const satisfies Record<string, readonly FaultKind[]>;

export type MixName = keyof typeof MIXES;
const MIX_NAMES = Object.keys(MIXES) as MixName[];

export interface Scenario {
  seed: number;
  size: number;
  mix: MixName;
  faults: readonly FaultKind[];
  network: NetworkParams;
  /** Mean time between fault events, ms. */
  faultEvery: number;
  clients: number;
  keys: number;
  /** Fraction of client operations that are gets. */
  getRatio: number;
  /** Pause between a client's operations, uniform in [0, thinkMax) ms. */
  thinkMax: number;
  /** A request unanswered this long is abandoned (outcome unknown). */
  clientTimeout: number;
  /** Faults run until this virtual time, then everything heals. */
  chaosMs: number;
  /** After healing, a leader and answers must appear within this long. */
  livenessMs: number;
  /** Small append batches make leaders ship old entries piecemeal (needed for Figure 8); above one entry (~60 B). */
  maxAppendBytes: number | undefined;
  /** Send every peer message through the codec. */
  wire: boolean;
  /** Faults that strike right after a leader appends or commits (faults.ts). */
  reactive: boolean;
}

export interface ScenarioOverrides {
  size?: number;
  mix?: MixName;
  chaosMs?: number;
}

export function isMixName(name: string): name is MixName {
  return (MIX_NAMES as string[]).includes(name);
}

export function scenarioFor(seed: number, overrides: ScenarioOverrides = {}): Scenario {
  // A generator of its own, so adding a parameter here never shifts the run's own randomness.
  const random = seededRandom(seed ^ 0x5eed5eed);
  const size = overrides.size ?? pick(random, [3, 5, 5, 7]);
  const mix = overrides.mix ?? pick(random, MIX_NAMES);
  const lossy = mix === "lossy" || mix === "chaos" || random() < 0.3;
  const drop = lossy ? pick(random, [0.02, 0.1, 0.2, 0.3, 0.5]) * random() * 2 : 0;
  const delayMin = 0.2 + random() * 2;
  const network: NetworkParams = {
    drop: Math.min(drop, 0.5),
    duplicate: lossy && random() < 0.6 ? random() * 0.2 : 0,
    delayMin,
    delayMax: delayMin + pick(random, [1, 5, 20, 80]),
    spike: random() < 0.5 ? random() * 0.05 : 0,
    spikeMax: pick(random, [100, 500, 1500]),
  };
  return {
    seed,
    size,
    mix,
    faults: MIXES[mix],
    network,
    faultEvery: mix === "lossy" ? 4000 : 300 + random() * 1700,
    clients: randomInt(random, 3, 7),
    keys: randomInt(random, 1, 4),
    getRatio: 0.3 + random() * 0.4,
    thinkMax: 10 + random() * 60,
    clientTimeout: 800 + random() * 2200,
    chaosMs: overrides.chaosMs ?? 6000 + random() * 6000,
    livenessMs: 15_000,
    maxAppendBytes: mix === "churn" ? randomInt(random, 60, 100) : random() < 0.25 ? randomInt(random, 60, 400) : undefined,
    wire: random() < 0.2,
    reactive: mix === "churn" || (mix === "chaos" && random() < 0.5),
  };
}

export function describeScenario(s: Scenario): string {
  const n = s.network;
  return (
    `seed ${s.seed}: ${s.size} replicas, mix ${s.mix}, drop ${(n.drop * 100).toFixed(0)}%, dup ${(n.duplicate * 100).toFixed(0)}%, ` +
    `delay ${n.delayMin.toFixed(1)}-${n.delayMax.toFixed(1)} ms (spikes ${(n.spike * 100).toFixed(1)}% to ${n.spikeMax} ms), ` +
    `faults every ~${s.faultEvery.toFixed(0)} ms, ${s.clients} clients on ${s.keys} keys, chaos ${s.chaosMs.toFixed(0)} ms` +
    `${s.maxAppendBytes !== undefined ? `, appends <= ${s.maxAppendBytes} B` : ""}${s.wire ? ", wire codec" : ""}${s.reactive ? ", reactive faults" : ""}`
  );
}
