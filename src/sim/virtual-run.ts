// One scenario run on virtual time: the simulator's own logic (Simulation: schedule,
// clients, routing, drops, partitions, kills, checks, tiers) driving in-process replicas
// (the Replica the binary runs, through the real codec) instead of processes and sockets.
// A 30 s scenario takes milliseconds, and a seed replays exactly: what it measures well is
// what does not depend on the machine (messages, failures, duplicates, correctness); its
// latencies are the model's (VIRTUAL_HOP_MS per crossing), not the binary's.
import { VirtualCluster } from "../dst/cluster.ts";
import type { RaftConfig } from "../raft/types.ts";
import { seededRandom, type Random } from "../util/prng.ts";
import { encode } from "../wire/encode.ts";
import { isClientReply } from "../wire/messages.ts";
import { decode } from "../wire/schema.ts";
import type { MessagePlaces } from "./message-places.ts";
import { buildReport, type RunReport } from "./report.ts";
import type { Scenario } from "./scenario.ts";
import { Simulation, type SimHost } from "./simulation.ts";
import { packetTraceLine } from "./trace.ts";

/** One crossing of the simulator (a packet to or from a replica), in milliseconds: a base and a random part. */
export const VIRTUAL_HOP_MS = { base: 0.08, jitter: 0.08 };

export interface VirtualRunOptions {
  /** Raft settings for every replica (the binary's defaults when absent). */
  config?: Partial<RaftConfig>;
  /** Sees every packet as it is delivered to a replica or sent by one, as trace.ts writes it. */
  trace?: (line: string) => void;
  /** Counts every replica-to-replica message the simulator counts, by kind and where it went. */
  places?: MessagePlaces;
}

const textEncoder = new TextEncoder();

/**
 * The DST's VirtualCluster keeps the replicas, their timers and the event queue (times in
 * ms); the Simulation (times in s) sees every packet they send and decides what is
 * delivered where, as it does for processes: the cluster's own links carry nothing.
 */
export function runVirtual(scenario: Scenario, seed: number, options: VirtualRunOptions = {}): RunReport {
  const cluster = new VirtualCluster({ size: scenario.replicas, seed, config: options.config, link: () => undefined });
  const hop: Random = seededRandom(seed ^ 0x5eed);
  const seconds = () => cluster.now / 1000;

  const host: SimHost = {
    deliver(rid, packet) {
      if (cluster.isCrashed(rid)) return false;
      options.trace?.(packetTraceLine(seconds(), "to", rid, packet));
      const decoded = decode(packet);
      if (decoded.ok) cluster.inject(rid, decoded.message, VIRTUAL_HOP_MS.base + hop() * VIRTUAL_HOP_MS.jitter);
      return true;
    },
    kill: (rid) => cluster.crash(rid),
  };
  const sim = new Simulation(scenario, seed, host);
  cluster.onSend = (from, message) => {
    const packet = encode(message, cluster.replica(from)?.leader);
    options.trace?.(packetTraceLine(seconds(), "from", from, packet));
    // Only what Simulation.onPacket will count toward total_msgs: peer messages it accepts.
    if (options.places && !isClientReply(message) && sim.accepts(from)) options.places.add(from, message, sim.replicas, sim);
    sim.onPacket(from, textEncoder.encode(packet), seconds());
  };
  // The simulator's schedule (requests, faults), each item at its time.
  const schedule = () => {
    const due = sim.nextDue();
    // Run at its own time: due * 1000 / 1000 may round below due.
    if (due !== undefined) cluster.at(due * 1000, () => (sim.runDue(Math.max(due, seconds())), schedule()));
  };
  schedule();
  cluster.runUntil(scenario.lifetime * 1000, () => sim.checkStop(seconds()) !== undefined);
  sim.finish(seconds());
  return buildReport(sim, "in-process (virtual time)", seconds(), []);
}
