// A minimal synchronous network for in-process replicas: every message goes into one
// FIFO queue and is delivered when the queue is drained, on a virtual clock the driver
// advances. No loss, no delay, no reordering: it measures the replicas, not the network.
// With `wire`, every message is encoded to bytes by the sender and decoded by the
// receiver, as the binary does, so the codec's share of the cost shows.
import { Replica } from "./replica.ts";
import { CLASSIC_ELECTIONS, type NodeId, type RaftMessage } from "../raft/types.ts";
import { seededRandom } from "../util/prng.ts";
import { encode } from "../wire/encode.ts";
import { BROADCAST, type ClientReply, type ClientRequest, type OutboundMessage } from "../wire/messages.ts";
import { decode } from "../wire/schema.ts";

type Packet = RaftMessage | ClientRequest | ClientReply;

interface Queued {
  readonly message: Packet;
  /** The encoded packet, in wire mode. */
  readonly bytes: Uint8Array | undefined;
}

function isReply(message: Packet): message is ClientReply {
  return message.type === "ok" || message.type === "redirect" || message.type === "fail";
}

const textEncoder = new TextEncoder();

/** A client's request as the simulator sends it (with the leader it believes in), as bytes. */
export function clientPacket(request: ClientRequest, leader: NodeId): Uint8Array {
  return textEncoder.encode(JSON.stringify({ ...request, leader }));
}

export interface LoopbackClusterOptions {
  readonly size: number;
  readonly seed: number;
  readonly wire: boolean;
  /** Called for every reply a replica sends to a client. */
  readonly onReply: (reply: ClientReply) => void;
}

export class LoopbackCluster {
  readonly ids: readonly NodeId[];
  readonly replicas: readonly Replica[];
  private readonly byId = new Map<NodeId, Replica>();
  private queue: Queued[] = [];
  private head = 0;
  private readonly wire: boolean;
  private readonly onReply: (reply: ClientReply) => void;
  now = 0;
  delivered = 0;
  /** Packets that failed to decode (wire mode): must stay 0. */
  undecodable = 0;

  constructor(options: LoopbackClusterOptions) {
    this.wire = options.wire;
    this.onReply = options.onReply;
    this.ids = Array.from({ length: options.size }, (_, i) => i.toString(16).toUpperCase().padStart(4, "0"));
    this.replicas = this.ids.map((id, i) => new Replica({ id, peers: this.ids, random: seededRandom(options.seed * 1000 + i), now: this.now, /* elected before any request */ config: CLASSIC_ELECTIONS }));
    for (const replica of this.replicas) this.byId.set(replica.id, replica);
  }

  /** A request from a client, already encoded when `bytes` is given (wire mode). */
  send(request: ClientRequest, bytes?: Uint8Array): void {
    this.queue.push({ message: request, bytes });
  }

  /** Advances the clock by `ms` and ticks every replica. */
  private advance(ms: number): void {
    this.now += ms;
    for (const replica of this.replicas) {
      replica.tick(this.now);
      this.collect(replica);
    }
  }

  /**
   * Delivers what is in flight, lets `ms` pass (ticking every replica, so heartbeats and
   * retransmission timers run) and delivers what that sent: one round of the drivers.
   */
  runFor(ms: number): void {
    this.drain();
    this.advance(ms);
    this.drain();
  }

  /** Delivers until nothing is in flight. */
  private drain(): void {
    while (this.head < this.queue.length) {
      const { message, bytes } = this.queue[this.head++]!;
      this.delivered++;
      if (this.head > 65_536 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (isReply(message)) {
        this.onReply(message);
        continue;
      }
      let inbound = message;
      if (bytes !== undefined) {
        const decoded = decode(bytes);
        if (!decoded.ok) {
          this.undecodable++;
          continue;
        }
        inbound = decoded.message;
      }
      if (inbound.dst === BROADCAST) {
        for (const replica of this.replicas) this.deliver(replica, inbound);
      } else {
        const replica = this.byId.get(inbound.dst);
        if (replica !== undefined) this.deliver(replica, inbound);
      }
    }
  }

  get leader(): Replica | undefined {
    return this.replicas.find((replica) => replica.raft.role === "leader");
  }

  /**
   * Ticks in steps of `stepMs` until a leader has committed an entry of its own term (its
   * no-op), so that puts are served at once. Throws if none emerges within `limitMs`.
   */
  electLeader(stepMs = 5, limitMs = 60_000): Replica {
    const until = this.now + limitMs;
    while (this.now < until) {
      this.advance(stepMs);
      this.drain();
      const leader = this.leader;
      if (leader !== undefined && leader.raft.log.termAt(leader.raft.commitIndex) === leader.raft.term) return leader;
    }
    throw new Error(`no leader within ${limitMs} ms of virtual time`);
  }

  private deliver(replica: Replica, message: RaftMessage | ClientRequest): void {
    replica.receive(message, this.now);
    this.collect(replica);
  }

  private collect(replica: Replica): void {
    const out: OutboundMessage[] = replica.takeOutbox();
    for (let i = 0; i < out.length; i++) {
      const message = out[i]!;
      if (!this.wire) {
        this.queue.push({ message, bytes: undefined });
        continue;
      }
      const bytes = textEncoder.encode(encode(message, replica.leader));
      // Replies go to clients, whose decoding is not the replica's cost.
      this.queue.push({ message, bytes: isReply(message) ? undefined : bytes });
    }
  }
}
