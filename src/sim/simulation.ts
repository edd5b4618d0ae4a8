// The simulator's logic for one run (SPEC §3), free of processes and sockets: the host
// feeds it replica packets and the clock, and it tells the host what to deliver and whom
// to kill. That keeps every rule testable in-process with a fake host.
import { Client, type ClientRequest } from "./client.ts";
import { BROADCAST, clientIds, replicaIds, UNKNOWN_LEADER } from "./ids.ts";
import { Network } from "./network.ts";
import { excerpt, parsePacket } from "./packet.ts";
import { Rng } from "./prng.ts";
import { buildSchedule, type Scheduled } from "./schedule.ts";
import type { Scenario } from "./scenario.ts";
import { addLeader, newStats, type Stats } from "./stats.ts";

/** The side effects a run needs; the real one owns processes and sockets. */
export interface SimHost {
  /** Sends one packet to a replica; false when it cannot (not connected, or gone). */
  deliver(rid: string, packet: string | Uint8Array): boolean;
  /** Ends a replica's process group (kill events, and replicas the simulator gives up on). */
  kill(rid: string): void;
}

export type StopReason = "lifetime" | "max_packets" | "no replica alive";

/** One line the report shows; the counters are in Stats. */
export interface Problem {
  at: number;
  text: string;
}

export const MAX_PROBLEMS_KEPT = 50;

export class Simulation {
  readonly stats: Stats = newStats();
  readonly replicas: string[];
  private readonly replicaSet: Set<string>;
  readonly clients: Client[];
  readonly network: Network;
  /** The leader as the classic simulator records it: the leader field of majority-side packets. */
  leader = UNKNOWN_LEADER;
  readonly living: Set<string>;
  readonly killed = new Set<string>();
  /** Replicas that died on their own, with why. */
  readonly died = new Map<string, string>();
  readonly problems: Problem[] = [];
  problemCount = 0;
  leaderChanges = 0;
  private lastKnownLeader: string | undefined;
  /** Seconds without a known leader, counted from start_wait (when clients start). */
  private leaderlessSeconds = 0;
  private leaderlessSince: number | undefined;
  private readonly clientById = new Map<string, Client>();
  private readonly schedule: Scheduled[];
  private nextIndex = 0;
  private readonly eventRng: Rng;
  stopReason: StopReason | undefined;

  constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    private readonly host: SimHost,
  ) {
    this.replicas = replicaIds(scenario.replicas);
    this.replicaSet = new Set(this.replicas);
    this.living = new Set(this.replicas);
    this.network = new Network(this.replicas, scenario.drops, Rng.stream(seed, "network"));
    this.clients = clientIds(scenario.replicas).map((id, i) => new Client(id, Rng.stream(seed, `client${i}`), this.stats));
    for (const c of this.clients) this.clientById.set(c.id, c);
    this.schedule = buildSchedule(scenario, Rng.stream(seed, "schedule"));
    this.eventRng = Rng.stream(seed, "events");
    this.leaderlessSince = scenario.startWait;
  }

  /** When the next scheduled request or event is due (seconds from the start), if any. */
  nextDue(): number | undefined {
    return this.schedule[this.nextIndex]?.at;
  }

  /** Fires everything due at or before `now`. */
  runDue(now: number): void {
    while (!this.stopReason && this.nextIndex < this.schedule.length && this.schedule[this.nextIndex]!.at <= now) {
      this.fire(this.schedule[this.nextIndex++]!, now);
      this.checkStop(now);
    }
  }

  /** Why the run must end now, if it must. */
  checkStop(now: number): StopReason | undefined {
    if (this.stopReason) return this.stopReason;
    if (this.living.size === 0) this.stopReason = "no replica alive";
    else if (this.stats.totalMsgs >= this.scenario.maxPackets) this.stopReason = "max_packets";
    else if (now >= this.scenario.lifetime) this.stopReason = "lifetime";
    return this.stopReason;
  }

  /** Whether a packet from replica `from` is taken (and counted) now: it lives, the run goes on. */
  accepts(from: string): boolean {
    return !this.stopReason && this.living.has(from);
  }

  /** One packet received from replica `from`'s socket. */
  onPacket(from: string, bytes: Uint8Array, now: number): void {
    if (!this.accepts(from)) return;
    const parsed = parsePacket(bytes);
    if (!parsed.ok) {
      this.stats.malformed++;
      this.problem(now, `malformed packet from ${from}: ${parsed.reason}: ${excerpt(bytes)}`);
      return;
    }
    const msg = parsed.msg;
    const partition = this.network.partition;
    if (!partition || partition.has(msg.src)) this.recordLeader(msg.leader, now);

    if (msg.dst === BROADCAST || this.replicaSet.has(msg.dst)) {
      const routing = this.network.route(msg.src, msg.dst);
      this.stats.totalMsgs += routing.counted;
      const kind = String(msg.type);
      this.stats.msgsByType[kind] = (this.stats.msgsByType[kind] ?? 0) + routing.counted;
      this.stats.totalDrops += routing.dropped;
      for (const rid of routing.deliver) this.deliverToReplica(rid, bytes, now);
    } else {
      const client = this.clientById.get(msg.dst);
      if (!client) {
        this.stats.malformed++;
        this.problem(now, `packet from ${from} to unknown destination ${msg.dst}: ${excerpt(bytes)}`);
      } else {
        const outcome = client.deliver(msg, this.livingList(), now);
        if (outcome.problem) this.problem(now, `${client.id} from ${from}: ${outcome.problem}`);
        if (outcome.retry) this.sendRequest(outcome.retry, now);
      }
    }
    this.checkStop(now);
  }

  /** A replica's socket closed or its process exited without our asking. */
  onReplicaGone(rid: string, reason: string, now: number): void {
    if (!this.living.has(rid)) return;
    this.living.delete(rid);
    this.died.set(rid, reason);
    this.problem(now, `replica ${rid} died: ${reason}`);
    this.checkStop(now);
  }

  /** Ends the run: unanswered requests are counted, the leaderless clock stops. */
  finish(now: number): void {
    this.checkStop(now);
    for (const c of this.clients) c.finalize();
    this.closeLeaderless(now);
  }

  get leaderlessTime(): number {
    return this.leaderlessSeconds;
  }

  livingList(): string[] {
    return this.replicas.filter((r) => this.living.has(r));
  }

  private fire(item: Scheduled, now: number): void {
    switch (item.kind) {
      case "request": {
        if (this.living.size === 0) return;
        const client = this.clients[item.client]!;
        this.sendRequest(client.createRequest(item.get, this.livingList(), now), now);
        return;
      }
      case "kill_leader":
        if (this.leader !== UNKNOWN_LEADER) {
          this.killReplica(this.leader, now);
          this.setLeader(UNKNOWN_LEADER, now);
          for (const c of this.clients) c.forget();
        } else this.problem(now, "kill_leader: no leader known, nobody killed");
        return;
      case "kill_non_leader": {
        const candidates = this.livingList().filter((r) => r !== this.leader);
        if (this.living.size > 1 && candidates.length > 0) this.killReplica(this.eventRng.pick(candidates), now);
        else this.problem(now, `kill_non_leader: too few living replicas to kill another (${this.living.size})`);
        return;
      }
      case "part_easy":
      case "part_hard": {
        const keepLeader = item.kind === "part_easy" && this.leader !== UNKNOWN_LEADER;
        this.network.partition = Network.majority(this.replicas, keepLeader ? this.leader : undefined, this.eventRng);
        if (!keepLeader) {
          this.setLeader(UNKNOWN_LEADER, now);
          for (const c of this.clients) c.forget();
        }
        return;
      }
      case "part_end":
        this.network.partition = null;
        return;
    }
  }

  private killReplica(rid: string, now: number): void {
    if (!this.living.has(rid)) return;
    this.living.delete(rid);
    this.killed.add(rid);
    this.host.kill(rid);
    this.checkStop(now);
  }

  private sendRequest(req: ClientRequest, now: number): void {
    this.deliverToReplica(req.dst, JSON.stringify(req), now);
  }

  private deliverToReplica(rid: string, packet: string | Uint8Array, now: number): void {
    if (!this.living.has(rid)) return;
    if (this.host.deliver(rid, packet)) return;
    // The classic simulator gives up on a replica it cannot send to (most often: one
    // that had not connected yet) and shuts it down; that counts as the replica dying.
    this.living.delete(rid);
    this.died.set(rid, "the simulator could not send to it (not connected, or socket gone)");
    this.problem(now, `replica ${rid} died: a packet was routed to it but it was not connected`);
    this.host.kill(rid);
    this.checkStop(now);
  }

  private recordLeader(leader: string, now: number): void {
    addLeader(this.stats, leader);
    this.setLeader(leader, now);
  }

  private setLeader(leader: string, now: number): void {
    if (leader === this.leader) return;
    const known = leader !== UNKNOWN_LEADER;
    if (known && this.lastKnownLeader !== undefined && leader !== this.lastKnownLeader) this.leaderChanges++;
    if (known) this.lastKnownLeader = leader;
    if (known) this.closeLeaderless(now);
    else if (this.leaderlessSince === undefined) this.leaderlessSince = now;
    this.leader = leader;
  }

  private closeLeaderless(now: number): void {
    if (this.leaderlessSince === undefined) return;
    const from = Math.max(this.leaderlessSince, this.scenario.startWait);
    if (now > from) this.leaderlessSeconds += now - from;
    this.leaderlessSince = undefined;
  }

  private problem(now: number, text: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS_KEPT) this.problems.push({ at: now, text });
  }
}
