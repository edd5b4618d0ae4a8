// One kvstore replica as a pure state machine: Raft core + key-value store + client
// request handling. Decoded messages and clock readings in, outbound messages out.
// The binary (src/main.ts) and the deterministic simulation drive this same class.
import { KvStore } from "../kv/store.ts";
import { RaftNode, type DurableState } from "../raft/node.ts";
import { DEFAULT_CONFIG, type LogEntry, type NodeId, type RaftConfig, type RaftMessage } from "../raft/types.ts";
import type { Random } from "../util/prng.ts";
import { entrySize } from "../wire/encode.ts";
import { BROADCAST, isClientRequest, type ClientRequest, type GetRequest, type InboundMessage, type OutboundMessage, type PutRequest } from "../wire/messages.ts";
import { BoundedSet } from "../util/bounded-set.ts";
import { ClientRequests, REMEMBERED_MIDS } from "./client-requests.ts";

export interface ReplicaOptions {
  id: NodeId;
  peers: readonly NodeId[];
  random: Random;
  now: number;
  config?: Partial<RaftConfig>;
  durable?: DurableState;
  /** Debug log sink; silent when absent. */
  log?: (line: string) => void;
}

/**
 * A client back within this long after we redirected it did not get through to the
 * leader we named (dead, or it sent the client back): hold it instead of bouncing it
 * again, until we hear from a leader. Clients retry at once, so real bounces are quick.
 */
const BOUNCE_WINDOW_MS = 50;
/** A lost put waits for nothing: redirected at once (to a guess if no leader is known). */
const LOST = Number.NEGATIVE_INFINITY;

export class Replica {
  readonly id: NodeId;
  readonly raft: RaftNode;
  readonly kv = new KvStore();
  private readonly requests = new ClientRequests();
  private outbox: OutboundMessage[] = [];
  /** Replies to clients, sent ahead of the peer messages of the same step (takeOutbox). */
  private replies: OutboundMessage[] = [];
  private readonly random: Random;
  private readonly debug: ((line: string) => void) | undefined;
  private readonly holdLimit: number;
  /** The largest entry we can still ship in one append packet. */
  private readonly maxEntryBytes: number;
  /** Every MID answered, to make a second reply impossible rather than unlikely. */
  private readonly answered = new BoundedSet<string>(REMEMBERED_MIDS);
  /** When we last redirected each client, to notice a bounce. */
  private readonly redirectedAt = new Map<string, number>();
  /** How recently we must have heard from the leader to send clients to it. */
  private readonly leaderFreshness: number;
  /** When a client request last reached us (elections on demand). */
  private clientSeenAt = Number.NEGATIVE_INFINITY;

  constructor(options: ReplicaOptions) {
    this.id = options.id;
    this.random = options.random;
    this.debug = options.log;
    const config = { ...DEFAULT_CONFIG, ...options.config };
    // Long enough for an election to finish after a leader dies (guessing sooner only sends
    // clients to followers that know no more than we do); in a minority partition no
    // leader will come, and the guess sends the client across.
    this.holdLimit = config.electionTimeoutMax;
    this.maxEntryBytes = config.maxAppendBytes;
    this.leaderFreshness = Math.min(config.electionTimeoutMin, 2.5 * config.heartbeatInterval);
    this.raft = new RaftNode({
      id: options.id,
      peers: options.peers,
      config,
      random: options.random,
      now: options.now,
      durable: options.durable,
      host: {
        send: (message) => this.outbox.push(message),
        apply: (index, entry) => this.apply(index, entry),
        entrySize,
        clientsSeenAt: () => (this.requests.waiting > 0 ? Number.POSITIVE_INFINITY : this.clientSeenAt),
      },
    });
    this.raft.applyCommitted();
  }

  get leader(): NodeId | undefined {
    return this.raft.leader;
  }

  /** Messages produced since the last call: replies to clients, then peer messages, each in order. */
  takeOutbox(): OutboundMessage[] {
    const { replies, outbox } = this;
    if (replies.length > 0) this.replies = [];
    if (outbox.length > 0) this.outbox = [];
    // Client replies first: a deposed leader's late `ok` must reach its client before the
    // answer that lets the new leader serve a get of that key (readWaitsForGuess). A new
    // array only when both hold something; an empty result may be our own (read, not kept).
    if (replies.length === 0) return outbox;
    return outbox.length === 0 ? replies : replies.concat(outbox);
  }

  /** Requests accepted but not yet answered. */
  get unanswered(): number {
    return this.requests.waiting;
  }

  receive(message: InboundMessage, now: number): void {
    if (message.dst !== this.id && message.dst !== BROADCAST) return;
    if (isClientRequest(message)) {
      if (!this.requests.admit(message.MID)) {
        this.debug?.(`ignoring repeated MID ${message.MID}`);
        return;
      }
      this.handleClient(message, now, now, true);
      // After handling: a quiet leader tells a wake-up by the time of the request before.
      this.clientSeenAt = now;
    } else {
      this.raft.step(message as RaftMessage, now);
    }
    this.settle(now);
  }

  tick(now: number): void {
    this.raft.tick(now);
    this.settle(now);
  }

  /** The next time `tick` has work to do. */
  nextDeadline(): number {
    let next = this.raft.nextDeadline();
    for (const held of this.requests.held) next = Math.min(next, held.receivedAt + this.holdLimit);
    if (this.readsWaitForGuess) next = Math.min(next, this.raft.guessWaitEnds());
    return next;
  }

  // ---- client requests ----------------------------------------------------------------

  private handleClient(request: ClientRequest, receivedAt: number, now: number, fresh: boolean): void {
    const raft = this.raft;
    if (raft.role === "leader") {
      if (request.type === "get") {
        this.requests.reads.push(request);
        if (!raft.canReadLocally(now)) raft.renewLease(now);
        return;
      }
      const entry: LogEntry = { term: raft.term, key: request.key, value: request.value, client: request.src, mid: request.MID };
      if (entrySize(entry) > this.maxEntryBytes) {
        this.debug?.(`put ${request.MID} too large to replicate (${entrySize(entry)} bytes)`);
        this.reply({ type: "fail", src: this.id, dst: request.src, MID: request.MID });
        return;
      }
      const index = raft.propose(entry, now);
      // propose() may commit at once (a cluster of one): then it is answered already.
      if (!this.answered.has(request.MID)) this.requests.puts.set(index, { request, index, term: entry.term });
      return;
    }
    const leader = this.knownLeader(now);
    const bounced = fresh && now - (this.redirectedAt.get(request.src) ?? Number.NEGATIVE_INFINITY) < BOUNCE_WINDOW_MS;
    if (leader !== undefined && !bounced && !this.awaitsFateOfPut(request.src)) {
      this.redirect(request, leader, now);
      return;
    }
    this.requests.held.push({ request, receivedAt });
  }

  /** The leader, if we heard from it recently enough that a redirect is likely useful. */
  private knownLeader(now: number): NodeId | undefined {
    const leader = this.raft.leader;
    if (leader === undefined || leader === this.id) return undefined;
    return now - this.raft.lastLeaderContact < this.leaderFreshness ? leader : undefined;
  }

  /**
   * Called after every input: answers whatever the new state allows. Requests always sit
   * in exactly one of puts, reads or held, and leave it only with their one reply.
   */
  private settle(now: number): void {
    const raft = this.raft;
    const requests = this.requests;
    if (this.debug) this.logTransitions();

    if (requests.reads.length > 0) {
      if (raft.role === "leader") {
        if (raft.canReadLocally(now)) {
          let waiting: GetRequest[] | undefined;
          for (const read of requests.reads) {
            if (this.readWaitsForGuess(read.key, now)) (waiting ??= []).push(read);
            else this.reply({ type: "ok", src: this.id, dst: read.src, MID: read.MID, value: this.kv.get(read.key) });
          }
          requests.reads = waiting ?? [];
          this.readsWaitForGuess = waiting !== undefined;
        } else if (now >= raft.guessWaitEnds()) {
          // Past that deadline it must not keep waking us while the reads wait for a lease.
          this.readsWaitForGuess = false;
        }
      } else {
        // Deposed: the reads go back to waiting for a leader.
        for (const read of requests.reads) requests.held.push({ request: read, receivedAt: now });
        requests.reads = [];
        this.readsWaitForGuess = false;
      }
    }

    // Pending puts only change fate when the commit index moves.
    if (requests.puts.size > 0 && raft.commitIndex !== this.settledCommit) {
      this.settledCommit = raft.commitIndex;
      const commit = raft.commitIndex;
      const commitTerm = raft.log.termAt(commit);
      for (const [index, put] of requests.puts) {
        if (index <= commit) {
          if (raft.log.termAt(index) === put.term) {
            // Committed as ours, but not applied by us as its leader: perhaps nobody
            // answered it (ours to answer late); undecided, it waits.
            const ours = this.oursToAnswerLate(index, put.term, put.request);
            if (ours === undefined) continue;
            requests.puts.delete(index);
            if (ours) this.reply({ type: "ok", src: this.id, dst: put.request.src, MID: put.request.MID });
          } else {
            // Committed as another entry: ours is gone for good, so the client may safely
            // send it again.
            requests.puts.delete(index);
            requests.held.push({ request: put.request, receivedAt: LOST });
          }
        } else if (commitTerm > put.term) {
          // A later term's entry is committed before ours; terms never decrease along a
          // log, so no future leader can hold ours: it will never commit.
          requests.puts.delete(index);
          requests.held.push({ request: put.request, receivedAt: LOST });
        }
      }
    }

    if (requests.held.length > 0) {
      const held = requests.held;
      requests.held = [];
      const leader = this.knownLeader(now);
      const contact = raft.lastLeaderContact;
      for (const item of held) {
        if (raft.role === "leader") this.handleClient(item.request, item.receivedAt, now, false);
        else if (leader !== undefined && contact >= item.receivedAt && !this.awaitsFateOfPut(item.request.src)) this.redirect(item.request, leader, now);
        else if (now >= item.receivedAt + this.holdLimit) this.redirect(item.request, this.guessLeader(), now);
        else requests.held.push(item);
      }
    }
  }

  private lastLogged = "";
  /** Some read waits for a guessed put to be settled (readWaitsForGuess). */
  private readsWaitForGuess = false;
  /** The commit index the pending puts were last examined at. */
  private settledCommit = -1;

  private logTransitions(): void {
    const raft = this.raft;
    const brief = `${raft.role} term ${raft.term} leader ${raft.leader ?? "?"}`;
    if (brief !== this.lastLogged) {
      this.lastLogged = brief;
      const waiting = `${this.requests.puts.size} puts, ${this.requests.reads.length} reads, ${this.requests.held.length} held`;
      this.debug?.(`${brief} commit ${raft.commitIndex}/${raft.log.lastIndex}; waiting: ${waiting}`);
    }
  }

  /**
   * With no leader known for a while, send the client to the peer we have not heard from
   * for longest: in a partition it is likely on the other (majority) side.
   */
  private guessLeader(): NodeId {
    let best: NodeId | undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const peer of this.raft.peers) {
      const heard = this.raft.lastHeardFrom(peer);
      if (heard < oldest || (heard === oldest && this.random() < 0.5)) {
        oldest = heard;
        best = peer;
      }
    }
    return best ?? this.id;
  }

  /**
   * Applies a committed entry. The leader that applies a put answers its client, whoever
   * received it: the receiver may be dead. Entries the leader knew committed when it took
   * over were answered by its predecessor and are not answered again.
   */
  private apply(index: number, entry: LogEntry): void {
    this.kv.apply(entry);
    const raft = this.raft;
    if (raft.role === "leader" && index > raft.leaderCommitFloor && entry.mid !== undefined && entry.client !== undefined) {
      this.reply({ type: "ok", src: this.id, dst: entry.client, MID: entry.mid });
      const put = this.requests.puts.get(index);
      if (put !== undefined && put.term === entry.term) this.requests.puts.delete(index);
    }
  }

  /**
   * Whether we must answer the put we appended at `index` in `term`, which committed after
   * we lost the lead: no later leader answered it (undefined: cannot tell yet). Only a
   * leader that applies an entry answers it, and only above its floor, which its no-op carries; the
   * one that applied ours has its no-op between our entry and the commit point. If every
   * later-term no-op there has a floor at or above our entry, nobody answered it (each
   * took it as answered by us: a chain's end or relayer saw it committed, while our own
   * answer from that end was lost or cut off), so we answer it now: late, but the client's
   * next get of the key would otherwise read a value it was never told of. Unless the key
   * no longer holds our value (a later put of it committed meanwhile): an `ok` must not
   * tell the client of a value that is already gone.
   */
  private oursToAnswerLate(index: number, term: number, put: PutRequest): boolean | undefined {
    // Applied up to the commit point: the key's value now.
    if (this.kv.get(put.key) !== put.value) return false;
    const log = this.raft.log;
    const commit = this.raft.commitIndex;
    let decided = false;
    for (let i = index + 1; i <= commit; i++) {
      const entry = log.entry(i);
      if (entry.term <= term || entry.key !== undefined) continue;
      if (entry.floor === undefined || entry.floor < index) return false; // that leader may have answered it
      decided = true;
    }
    return decided ? true : undefined;
  }

  /**
   * Whether a get of `key` must wait: the key still holds the value of a put we took over
   * as answered on a guess (the chain's end or a relayer saw it committed; its own leader
   * never told us it knew), and that put's leader has not settled it yet. If the guess was
   * wrong, nobody answered the put, and the client would read a value it was never told
   * of. Its leader, cut off by a partition, answers it late once it hears our no-op's floor
   * (oursToAnswerLate); the get goes after that, or after a few election timeouts (a dead
   * leader never answers; then the guess stands). advanced-1 seed 2499: the get came 170 ms
   * before the old leader's late `ok`.
   */
  private readWaitsForGuess(key: string, now: number): boolean {
    const raft = this.raft;
    for (let index = raft.guessedAfter + 1; index <= raft.leaderCommitFloor; index++) {
      const entry = raft.log.entry(index);
      if (entry.key === key && this.kv.get(key) === entry.value && !raft.guessSettled(index, now)) return true;
    }
    return false;
  }

  /**
   * Whether we still hold a put of this client's that we appended as leader and whose
   * fate we do not know yet: it may commit, and then be ours to answer late. The client's
   * other requests wait here meanwhile instead of going to the new leader: there, a get of
   * the key could read the put's value before our `ok` reaches the client, which the
   * client counts as an incorrect read (advanced-1 seed 198 with 1 s heartbeats: the
   * redirects of its held gets went out 0.2 ms before the late `ok`). A request still
   * goes once the holding limit runs out.
   */
  private awaitsFateOfPut(client: NodeId): boolean {
    for (const put of this.requests.puts.values()) if (put.request.src === client) return true;
    return false;
  }

  private redirect(request: ClientRequest, leader: NodeId, now: number): void {
    this.redirectedAt.set(request.src, now);
    this.debug?.(`redirect ${request.type} ${request.MID} from ${request.src} to ${leader}`);
    this.reply({ type: "redirect", src: this.id, dst: request.src, MID: request.MID, leader });
  }

  private reply(message: OutboundMessage & { MID: string }): void {
    if (this.answered.has(message.MID)) {
      this.debug?.(`BUG: second reply for MID ${message.MID} suppressed`);
      return;
    }
    this.answered.add(message.MID);
    this.replies.push(message);
  }
}
