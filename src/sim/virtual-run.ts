// One scenario run on virtual time: the simulator's own logic (Simulation: schedule,
// clients, routing, drops, partitions, kills, checks, tiers) driving in-process replicas
// (the Replica the binary runs, through the real codec) instead of processes and sockets.
// A 30 s scenario takes milliseconds, and a seed replays exactly: what it measures well is
// what does not depend on the machine (messages, failures, duplicates, correctness); its
// latencies are the model's (VIRTUAL_HOP_MS per crossing), not the binary's.
import { EventQueue } from "../dst/event-queue.ts";
import { Replica } from "../replica/replica.ts";
import type { RaftConfig } from "../raft/types.ts";
import { seededRandom, type Random } from "../util/prng.ts";
import { encode } from "../wire/encode.ts";
import { decode } from "../wire/schema.ts";
import { buildReport, type RunReport } from "./report.ts";
import type { Scenario } from "./scenario.ts";
import { Simulation, type SimHost } from "./simulation.ts";

/** One crossing of the simulator (a packet to or from a replica), in milliseconds: a base and a random part. */
export const VIRTUAL_HOP_MS = { base: 0.08, jitter: 0.08 };

export interface VirtualRunOptions {
  /** Raft settings for every replica (the binary's defaults when absent). */
  config?: Partial<RaftConfig>;
  /** Sees every packet as it is delivered to a replica or sent by one (for debugging). */
  trace?: (line: string) => void;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
/** One microsecond, in seconds. */
const TIMER_GRAIN = 1e-6;

type Event = { kind: "deliver"; rid: string; packet: string | Uint8Array } | { kind: "tick"; rid: string };

export function runVirtual(scenario: Scenario, seed: number, options: VirtualRunOptions = {}): RunReport {
  const events = new EventQueue<Event>();
  const hop: Random = seededRandom(seed ^ 0x5eed);
  const delay = () => (VIRTUAL_HOP_MS.base + hop() * VIRTUAL_HOP_MS.jitter) / 1000;
  const replicas = new Map<string, Replica>();
  /** Each replica's pending timer, in seconds; a tick event at another time is stale. */
  const timerAt = new Map<string, number>();
  let now = 0;

  const host: SimHost = {
    deliver(rid, packet) {
      if (!replicas.has(rid)) return false;
      events.push(now + delay(), { kind: "deliver", rid, packet });
      options.trace?.(`${now.toFixed(5)} to ${rid}: ${typeof packet === "string" ? packet : textDecoder.decode(packet)}`);
      return true;
    },
    kill(rid) {
      replicas.delete(rid);
      timerAt.delete(rid);
    },
  };
  const sim = new Simulation(scenario, seed, host);
  sim.replicas.forEach((id, i) => {
    const peers = sim.replicas.filter((other) => other !== id);
    replicas.set(id, new Replica({ id, peers, random: seededRandom(seed * 1009 + i), now: 0, config: options.config }));
  });

  /** Sends what a replica produced, as packets, and re-arms its timer. */
  const drain = (rid: string, replica: Replica) => {
    for (const message of replica.takeOutbox()) {
      const packet = encode(message, replica.leader);
      options.trace?.(`${now.toFixed(5)} from ${rid}: ${packet}`);
      sim.onPacket(rid, textEncoder.encode(packet), now);
    }
    if (!replicas.has(rid)) return; // a packet it sent may have ended the run, or it was killed
    // A deadline already past (a tick that left work for "now") runs a grain later, not
    // in a loop at one instant.
    const at = Math.max(replica.nextDeadline() / 1000, now + TIMER_GRAIN);
    if (at < (timerAt.get(rid) ?? Number.POSITIVE_INFINITY)) {
      timerAt.set(rid, at);
      events.push(at, { kind: "tick", rid });
    }
  };

  for (const [rid, replica] of replicas) drain(rid, replica);
  const end = scenario.lifetime;
  while (!sim.checkStop(now)) {
    const due = sim.nextDue() ?? Number.POSITIVE_INFINITY;
    const next = Math.min(due, events.peekTime(), end);
    if (next >= end) {
      now = end;
      break;
    }
    now = next;
    if (due <= events.peekTime()) {
      sim.runDue(now);
      continue;
    }
    const event = events.pop()!.item;
    const replica = replicas.get(event.rid);
    if (replica === undefined) continue;
    if (event.kind === "tick") {
      if (timerAt.get(event.rid) !== undefined && timerAt.get(event.rid)! > now) continue; // re-armed earlier or later
      timerAt.delete(event.rid);
      replica.tick(now * 1000);
    } else {
      const decoded = decode(event.packet);
      if (decoded.ok) replica.receive(decoded.message, now * 1000);
    }
    drain(event.rid, replica);
  }
  sim.finish(now);
  return buildReport(sim, "in-process (virtual time)", now, []);
}
