// An in-process cluster on virtual time: the same Replica class the binary runs, wired
// to a network whose delays, drops and partitions the caller controls. Deterministic:
// the seed and the calls made fully determine every event.
import { replicaIds } from "../sim/ids.ts";
import type { RaftLog } from "../raft/log.ts";
import type { DurableState } from "../raft/node.ts";
import type { RaftConfig, RaftMessage } from "../raft/types.ts";
import { Replica } from "../replica/replica.ts";
import { seededRandom, type Random } from "../util/prng.ts";
import { BROADCAST, type ClientReply, type ClientRequest, type InboundMessage, type OutboundMessage } from "../wire/messages.ts";
import { encode } from "../wire/encode.ts";
import { decode } from "../wire/schema.ts";
import { EventQueue } from "./event-queue.ts";

export type NodeId = string;

/**
 * Decides the fate of one delivery: a delay in ms, undefined to drop it, or several delays
 * to deliver duplicates.
 */
export type LinkPolicy = (from: NodeId, to: NodeId, message: OutboundMessage | ClientRequest, random: Random) => number | readonly number[] | undefined;

export interface ClusterOptions {
  size: number;
  seed: number;
  config?: Partial<RaftConfig>;
  /** Default: 1 ms on every link, nothing dropped. */
  link?: LinkPolicy;
  /** Send every message through encode() and decode(), as the binary does. */
  wire?: boolean;
  /** Sees every event, for traces. */
  trace?: (line: string) => void;
}

type Event =
  | { kind: "deliver"; from: NodeId; to: NodeId; message: InboundMessage }
  | { kind: "reply"; message: ClientReply }
  | { kind: "call"; fn: () => void };

export { replicaIds };

export class VirtualCluster {
  readonly ids: NodeId[];
  readonly random: Random;
  now = 0;
  link: LinkPolicy;
  private readonly replicas = new Map<NodeId, Replica>();
  private readonly durable = new Map<NodeId, DurableState>();
  private readonly crashed = new Set<NodeId>();
  private readonly events = new EventQueue<Event>();
  private readonly config: Partial<RaftConfig> | undefined;
  private readonly trace: ((line: string) => void) | undefined;
  private readonly wire: boolean;
  /**
   * A replica whose timer fired but whose deadline did not move is not ticked again until
   * this time. A deadline computed as `a + b` may be one ulp ahead of a `now - a >= b` test
   * in the replica; a real clock moves on, virtual time would spin forever.
   */
  private readonly notBefore = new Map<NodeId, number>();
  /** Receives every reply to a client. */
  onReply: (reply: ClientReply, now: number) => void = () => {};
  /** Asked at delivery time: is the link cut now? A cut loses what was in flight. */
  lostInFlight: (from: NodeId, to: NodeId) => boolean = () => false;
  /** Called after every replica message is sent (for counting). */
  onSend: (from: NodeId, message: OutboundMessage) => void = () => {};
  /** Called after every event, for invariant checks; `touched` is the replica that ran, if any. */
  afterEvent: (touched: NodeId | undefined) => void = () => {};

  constructor(options: ClusterOptions) {
    this.ids = replicaIds(options.size);
    this.random = seededRandom(options.seed);
    this.config = options.config;
    this.trace = options.trace;
    this.wire = options.wire ?? false;
    this.link = options.link ?? (() => 1);
    for (const id of this.ids) this.boot(id);
  }

  replica(id: NodeId): Replica | undefined {
    return this.crashed.has(id) ? undefined : this.replicas.get(id);
  }

  /** A replica's log, crashed or not (it is durable: a restart finds it as it was). */
  logOf(id: NodeId): RaftLog {
    const replica = this.replicas.get(id);
    if (replica === undefined) throw new Error(`no replica ${id}`);
    return replica.raft.log;
  }

  /** Every live replica. */
  live(): Replica[] {
    return this.ids.filter((id) => !this.crashed.has(id)).map((id) => this.replicas.get(id)!);
  }

  isCrashed(id: NodeId): boolean {
    return this.crashed.has(id);
  }

  /** The live replicas that believe they lead, highest term first. */
  leaders(): Replica[] {
    return this.live()
      .filter((r) => r.raft.role === "leader")
      .sort((a, b) => b.raft.term - a.raft.term);
  }

  /** Stops a replica; its durable state (term, vote, log) survives for restart(). */
  crash(id: NodeId): void {
    if (this.crashed.has(id)) return;
    this.durable.set(id, this.replicas.get(id)!.raft.durableState());
    this.crashed.add(id);
    this.trace?.(`${this.now.toFixed(1)} CRASH ${id}`);
  }

  restart(id: NodeId): void {
    if (!this.crashed.has(id)) return;
    this.crashed.delete(id);
    this.boot(id);
    this.trace?.(`${this.now.toFixed(1)} RESTART ${id}`);
  }

  private boot(id: NodeId): void {
    const replica = new Replica({
      id,
      peers: this.ids.filter((peer) => peer !== id),
      random: seededRandom(Math.floor(this.random() * 2 ** 32)),
      now: this.now,
      config: this.config,
      durable: this.durable.get(id),
    });
    this.replicas.set(id, replica);
  }

  /** A client sends a request; it reaches `request.dst` through the link policy. */
  clientSend(request: ClientRequest): void {
    this.trace?.(`${this.now.toFixed(1)} ${request.src}->${request.dst} ${request.type} ${request.MID} ${request.key}${request.type === "put" ? `=${request.value}` : ""}`);
    for (const delay of delays(this.link(request.src, request.dst, request, this.random))) {
      this.events.push(this.now + delay, { kind: "deliver", from: request.src, to: request.dst, message: request });
    }
  }

  /** Hands `message` to replica `to` after `delay` ms, past the link policy (fuzzing). */
  inject(to: NodeId, message: InboundMessage, delay = 0): void {
    this.events.push(this.now + delay, { kind: "deliver", from: message.src, to, message });
  }

  /** Runs `fn` at virtual time `at` (fault schedules, client think time). */
  at(at: number, fn: () => void): void {
    this.events.push(Math.max(at, this.now), { kind: "call", fn });
  }

  /** Processes events until virtual time `until` (or until `stop` returns true). */
  runUntil(until: number, stop?: () => boolean): void {
    for (;;) {
      if (stop?.()) return;
      const nextEvent = this.events.peekTime();
      let nextTimer = Number.POSITIVE_INFINITY;
      let due: Replica | undefined;
      for (const replica of this.live()) {
        const deadline = Math.max(replica.nextDeadline(), this.notBefore.get(replica.id) ?? 0);
        if (deadline < nextTimer) {
          nextTimer = deadline;
          due = replica;
        }
      }
      const next = Math.min(nextEvent, nextTimer);
      if (next > until) {
        this.now = until;
        return;
      }
      this.now = Math.max(this.now, next);
      let touched: NodeId | undefined;
      if (nextTimer < nextEvent && due) {
        this.trace?.(`${this.now.toFixed(1)} ${due.id} timer (${due.raft.role} t${due.raft.term})`);
        due.tick(this.now);
        this.drain(due);
        touched = due.id;
        if (due.nextDeadline() <= this.now) this.notBefore.set(due.id, this.now + TIMER_GRAIN);
      } else {
        touched = this.dispatch(this.events.pop()!.item);
      }
      this.afterEvent(touched);
    }
  }

  /** Runs one queued event; returns the replica it ran on, if any. */
  private dispatch(event: Event): NodeId | undefined {
    switch (event.kind) {
      case "call":
        event.fn();
        return undefined;
      case "reply":
        this.onReply(event.message, this.now);
        return undefined;
      case "deliver": {
        const replica = this.replica(event.to);
        if (!replica) return undefined;
        if (this.lostInFlight(event.from, event.to)) {
          this.trace?.(`${this.now.toFixed(1)}   lost in flight ${event.from}->${event.to} ${event.message.type}`);
          return undefined;
        }
        replica.receive(event.message, this.now);
        this.drain(replica);
        return replica.id;
      }
    }
  }

  /** Sends what a replica produced: to peers through the link, to clients directly. */
  private carry(message: RaftMessage, to: NodeId, leader: NodeId | undefined): InboundMessage {
    return carryMessage(message, to, leader, this.wire);
  }

  private drain(replica: Replica): void {
    for (const message of replica.takeOutbox()) {
      this.onSend(replica.id, message);
      if (this.trace) this.trace(`${this.now.toFixed(1)} ${describe(message)}`);
      if (isClientReply(message)) {
        // Whatever its address (even a replica's or FFFF, if a forged request said so).
        this.events.push(this.now, { kind: "reply", message });
        continue;
      }
      const targets = message.dst === BROADCAST ? this.ids.filter((id) => id !== replica.id) : [message.dst];
      for (const to of targets) {
        if (!this.replicas.has(to)) continue;
        const fate = this.link(replica.id, to, message, this.random);
        if (fate === undefined) {
          this.trace?.(`${this.now.toFixed(1)}   dropped ${replica.id}->${to}`);
          continue;
        }
        const carried = this.carry(message, to, replica.leader);
        for (const delay of delays(fate)) this.events.push(this.now + delay, { kind: "deliver", from: replica.id, to, message: carried });
      }
    }
  }
}

/** How far a stuck timer is pushed: far below any delay that matters, far above an ulp. */
const TIMER_GRAIN = 0.001;

function isClientReply(message: OutboundMessage): message is ClientReply {
  return message.type === "ok" || message.type === "redirect" || message.type === "fail";
}

function delays(fate: number | readonly number[] | undefined): readonly number[] {
  if (fate === undefined) return [];
  return typeof fate === "number" ? [fate] : fate;
}

/** The message as `to` receives it: re-addressed, and through the codec when asked. */
function carryMessage(message: RaftMessage, to: NodeId, leader: NodeId | undefined, wire: boolean): InboundMessage {
  const addressed = { ...message, dst: to };
  if (!wire) return addressed;
  const decoded = decode(encode(addressed, leader));
  if (!decoded.ok) throw new Error(`codec round trip failed: ${decoded.reason}`);
  return decoded.message;
}

export function describe(message: OutboundMessage): string {
  const head = `${message.src}->${message.dst} ${message.type}`;
  switch (message.type) {
    case "append":
      return (
        `${head} t${message.term} prev=${message.prevIndex}/${message.prevTerm} n=${message.entries.length} commit=${message.commit}` +
        `${message.relayTo !== undefined ? ` relay-to=${message.relayTo}` : ""}${message.relay !== undefined ? ` relayed leader=${message.relay.leader} match=${message.relay.match}` : ""}`
      );
    case "appended":
      return (
        `${head} t${message.term} ${message.success ? "ok" : "no"} match=${message.match} hint=${message.hintIndex}/${message.hintTerm}` +
        `${message.relay !== undefined ? ` for ${message.relay.peer} match=${message.relay.match}` : ""}`
      );
    case "vote":
      return `${head} t${message.term}${message.pre ? " pre" : ""} last=${message.lastIndex}/${message.lastTerm}`;
    case "voted":
      return `${head} t${message.term}${message.pre ? " pre" : ""} ${message.granted ? "granted" : "refused"} commit=${message.commit}`;
    case "ok":
      return `${head} ${message.MID}${message.value !== undefined ? ` value=${message.value}` : ""}`;
    case "redirect":
      return `${head} ${message.MID} leader=${message.leader}`;
    case "fail":
      return `${head} ${message.MID}`;
  }
}
