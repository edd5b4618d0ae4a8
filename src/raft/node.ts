// The Raft core: a deterministic state machine. Time comes in as `now` arguments,
// randomness from the injected generator, messages go out through the host. No I/O here.
//
// This file decides; its neighbours keep the counts and the rules each decision uses:
// log.ts (the log), progress.ts (what the leader knows of each follower), send-pacing.ts
// (when to send to one again, chains or direct), follower-ranking.ts (who gets a new
// entry first), fanout.ts (how many, under loss), quorum.ts (majorities), lease.ts (why a
// leader may read alone), vote-round.ts (a campaign round's counts), answer-knowledge.ts
// (which puts an earlier leader already answered). Below: clock, proposals and reads,
// messages, replication, roles.
import { AnswerKnowledge } from "./answer-knowledge.ts";
import { fanout, LossEstimate } from "./fanout.ts";
import { FollowerRanking } from "./follower-ranking.ts";
import { leaseHolds } from "./lease.ts";
import { RaftLog } from "./log.ts";
import { Progress } from "./progress.ts";
import { majority, quorumValue } from "./quorum.ts";
import { awaitingAnswer, SendPacing } from "./send-pacing.ts";
import { VoteRound } from "./vote-round.ts";
import type { Random } from "../util/prng.ts";
import {
  validateConfig,
  type AppendReply,
  type AppendRequest,
  type LogEntry,
  type NodeId,
  type RaftConfig,
  type RaftMessage,
  type Role,
  type VoteReply,
  type VoteRequest,
} from "./types.ts";

/**
 * A silent follower's entries are retried this many times as they were sent (along its
 * chain: a lost packet is likelier than a dead follower); after that it is taken for gone
 * and sent to directly. A chain retry is cheaper than two direct round trips (3 messages
 * against 4), and its end still learns the commit (so a successor does not answer the
 * put again): two instead of one halved advanced-2's duplicates (63 to 32 over 1,000
 * replayed seeds) and saved 15 messages a run.
 */
const CHAIN_RETRIES = 2;
/**
 * After this many unanswered retries, a silent follower's uncommitted entries go on to
 * other followers too. Kept at one while the chain is retried a second time: waiting for
 * that retry left a killed leader's entries on fewer replicas (2 unanswered puts in 1,000
 * runs of advanced-2, against none).
 */
const REROUTE_AFTER = 1;
/**
 * A follower silent through this many sends in a row is taken as unreachable (three lost
 * round trips in a row: 0.7% at 10% packet loss, 13% at 30%).
 */
const UNREACHABLE_AFTER = 2;
/**
 * Unanswered sends in a row to one follower count as packet loss while it had been
 * retried at most this often: the first five do, later ones not (it is cut off or dead,
 * most likely). All but the first count only once it answers again (heardFrom).
 */
const LOSS_EVIDENCE_TRIES = 4;
/**
 * A get of a key whose last put was taken as answered on a guess waits at most this many
 * longest election timeouts after we took over for that put's leader to settle it.
 */
const GUESS_WAIT_TIMEOUTS = 1;

/** What the core asks of whoever runs it. */
export interface RaftHost {
  send(message: RaftMessage): void;
  /** Called once per committed index, in log order. */
  apply(index: number, entry: LogEntry): void;
  /** The encoded size of an entry, to keep appends under the packet limit. */
  entrySize(entry: LogEntry): number;
  /**
   * When a client request last reached us (+Infinity while one waits for an answer), for
   * elections on demand (RaftConfig.electOnDemand). Absent: clients are taken to be
   * always present, as in classic Raft.
   */
  clientsSeenAt?(): number;
}

/** The state Raft requires to survive a crash (the deterministic simulation keeps it). */
export interface DurableState {
  term: number;
  votedFor: NodeId | undefined;
  log: RaftLog;
  /** Kept like etcd's HardState.Commit, so a restarted replica knows what was answered. */
  commitIndex: number;
}

export interface RaftNodeOptions {
  id: NodeId;
  peers: readonly NodeId[];
  config: RaftConfig;
  random: Random;
  host: RaftHost;
  now: number;
  /** State from before a crash; absent for a fresh replica. */
  durable?: DurableState;
}

export class RaftNode {
  readonly id: NodeId;
  readonly peers: readonly NodeId[];
  readonly config: RaftConfig;
  readonly log: RaftLog;
  private readonly random: Random;
  private readonly host: RaftHost;

  private _term = 0;
  private _votedFor: NodeId | undefined;
  private _role: Role = "follower";
  private _leader: NodeId | undefined;
  private _commitIndex = 0;
  private _lastApplied = 0;
  private _leaderCommitFloor = 0;
  /** We put off our own election for a campaigner's sake since we last heard a leader. */
  private postponedForCandidate = false;
  /** As leader: the commit index our first commit of this term reached (0 before it). */
  private firstCommit = 0;
  /**
   * As leader: the newest send time of ours a quorum acknowledged (we count as acknowledging
   * everything), the start of our lease. Kept up to date as answers come, while the
   * followers' progress is at hand, so that a get, which comes after a wake-up when every
   * step runs cold, reads one field (the walk over the followers cost ~16 µs of a get's
   * ~240 µs in the real simulator).
   */
  private leaseFrom = Number.NEGATIVE_INFINITY;
  /** Which puts an earlier leader already answered (our floor when we take over). */
  private readonly answers: AnswerKnowledge;
  /** As leader: entries above this, up to our floor, we took as answered on a guess. */
  private guessedAbove = 0;
  private leaderSince = Number.NEGATIVE_INFINITY;
  /** Per fellow follower, the last relay it sent us: its match, in which term, from which send. */
  private readonly relaysHeard = new Map<NodeId, { term: number; match: number; sentAt: number }>();
  private electionDeadline: number;
  /** The leader of term 1 (firstTimeout). */
  private readonly appointed: NodeId;
  /** As leader: a tick found us quiet (until a client wakes us), and when one last did. */
  private fellQuiet = false;
  private wokeAt = Number.NEGATIVE_INFINITY;
  /** The time of our last tick (see nextDeadline). */
  private lastTickAt = Number.NEGATIVE_INFINITY;
  /** When we last heard from a leader of our term; votes are refused for a while after. */
  private leaderContactAt: number;
  /** Our campaign's current (or last) round of (pre-)vote requests. */
  private readonly round: VoteRound;
  private readonly progress = new Map<NodeId, Progress>();
  /** Any message from a peer, by peer: who is reachable (redirect guesses). */
  private readonly lastHeard = new Map<NodeId, number>();
  private readonly quorumScratch: Float64Array;
  private readonly quorumValues: Float64Array;
  /** Which followers new entries go to first. */
  private readonly ranking: FollowerRanking;
  private readonly loss = new LossEstimate();
  /** When to send to each follower again, and whether new entries go along chains. */
  private readonly pacing: SendPacing;
  /** Reused lists for sendToEach(), so the replication path allocates nothing. */
  private readonly dueScratch: NodeId[] = [];
  private readonly partnerScratch: NodeId[] = [];
  private readonly pairedScratch = new Set<NodeId>();

  constructor(options: RaftNodeOptions) {
    this.id = options.id;
    this.peers = options.peers.filter((peer) => peer !== options.id);
    this.config = validateConfig(options.config);
    this.random = options.random;
    this.host = options.host;
    this.log = options.durable?.log ?? new RaftLog();
    this._term = options.durable?.term ?? 0;
    this._votedFor = options.durable?.votedFor;
    this._commitIndex = options.durable?.commitIndex ?? 0;
    // A restarted replica may have acknowledged some leader's lease before it crashed:
    // it must not vote until that lease has surely run out (lease.ts).
    this.leaderContactAt = this._term > 0 ? options.now : Number.NEGATIVE_INFINITY;
    const size = this.peers.length + 1;
    this.quorumScratch = new Float64Array(size);
    this.quorumValues = new Float64Array(size);
    this.ranking = new FollowerRanking(this.peers);
    this.appointed = [this.id, ...this.peers].sort()[0]!;
    this.answers = new AnswerKnowledge(this.id, this.peers, this.log);
    this.round = new VoteRound(this.id, size);
    this.pacing = new SendPacing(this.config, this.loss);
    this.electionDeadline = options.now + this.firstTimeout();
  }

  /**
   * A new cluster's first leader is appointed, not elected: the lowest ID leads term 1,
   * which every replica knows from its peer list, so no vote is needed and nobody else
   * can be granted one (becomeFollower). Its timer runs out at firstElectionMax; the
   * others wait an election timeout longer, and campaign only if it never reached them
   * (startPreVote). A replica restarted past term 0 draws its first timeout as ever.
   */
  private firstTimeout(): number {
    const { firstElectionMin, firstElectionMax, electionTimeoutMin, electionTimeoutMax } = this.config;
    if (this._term > 0) return this.uniform(firstElectionMin, firstElectionMax);
    return this.id === this.appointed ? firstElectionMax : firstElectionMax + this.uniform(electionTimeoutMin, electionTimeoutMax);
  }

  get term(): number { return this._term; }
  get votedFor(): NodeId | undefined { return this._votedFor; }
  get role(): Role { return this._role; }
  get leader(): NodeId | undefined { return this._leader; }
  get commitIndex(): number { return this._commitIndex; }
  get lastApplied(): number { return this._lastApplied; }
  get clusterSize(): number { return this.peers.length + 1; }

  durableState(): DurableState {
    return { term: this._term, votedFor: this._votedFor, log: this.log, commitIndex: this._commitIndex };
  }

  /**
   * The commit index we knew when we became leader. Entries above it may not have been
   * answered by the leader that appended them, so we answer them when we apply them.
   */
  get leaderCommitFloor(): number { return this._leaderCommitFloor; }

  /**
   * The entries we took over as answered without their leader having told us so (what
   * the chain's end, the voters and the relayer knew: AnswerKnowledge.answeredBefore)
   * are those after this index, up to leaderCommitFloor; none when every one was told.
   */
  get guessedAfter(): number { return this.guessedAbove; }

  /**
   * Whether the put at `index`, in the guessed range, is settled: the replica that led its
   * term acknowledged a send carrying our first commit (and with it our no-op's floor), so
   * if nobody had answered that put, it has answered it by now (Replica.oursToAnswerLate),
   * in the same breath as that acknowledgement. Also once GUESS_WAIT_TIMEOUTS longest
   * election timeouts have passed since we took over: a leader that is dead never will.
   */
  guessSettled(index: number, now: number): boolean {
    if (index <= this.guessedAbove || index > this._leaderCommitFloor) return true;
    if (now >= this.guessWaitEnds()) return true;
    const owner = this.answers.leaderOf(this.log.termAt(index));
    if (owner === this.id) return true;
    if (owner === undefined) return false; // a term we did not follow: the timeout decides
    return this.progress.get(owner)?.knowsFirstCommit ?? false;
  }

  /** When a get stops waiting for a guessed put's leader (guessSettled). */
  guessWaitEnds(): number {
    return this.leaderSince + GUESS_WAIT_TIMEOUTS * this.config.electionTimeoutMax;
  }

  /** Applies entries already known committed (after a restart with durable state). */
  applyCommitted(): void {
    this.commitTo(this._commitIndex);
  }

  /** When we last heard from a live leader of our term. */
  get lastLeaderContact(): number { return this.leaderContactAt; }

  lastHeardFrom(peer: NodeId): number {
    return this.lastHeard.get(peer) ?? Number.NEGATIVE_INFINITY;
  }

  /** The match index the leader holds for `peer` (for tests and invariants). */
  matchOf(peer: NodeId): number {
    return this.progress.get(peer)?.match ?? 0;
  }

  // ---- clock --------------------------------------------------------------------------

  tick(now: number): void {
    this.lastTickAt = now;
    if (this._role === "leader") {
      if (this.quiet(now)) {
        this.fellQuiet = true;
        return;
      }
      if (!this.hasQuorumContact(now)) {
        this.stepDown(now);
        return;
      }
      const due = this.dueScratch;
      const partners = this.partnerScratch;
      due.length = 0;
      partners.length = 0;
      let stalled = false;
      for (const peer of this.peers) {
        const progress = this.progress.get(peer)!;
        if (now >= this.resendAt(progress)) {
          // Re-send what was never acknowledged (a probe is simply repeated, and counted,
          // for the back-off); a follower left out of the quorum catches up here, one
          // batch per heartbeat.
          if (!progress.probing) {
            if (progress.entriesInFlight()) {
              this.presumeLost(progress);
              if (progress.retransmits > REROUTE_AFTER) stalled = true;
            } else {
              // Nothing in flight, but `next` may sit at or below the match point (a chain
              // partner's shorter append): a heartbeat starts just after it. A heartbeat
              // that went unanswered is retried with the same back-off as entries.
              if (!progress.lastSendAcknowledged()) progress.retransmits++;
              progress.rewind();
            }
          } else if (awaitingAnswer(progress)) {
            progress.retransmits++;
          }
          due.push(peer);
        } else if (now >= progress.lastSentAt + this.config.heartbeatInterval / 2) {
          // Its heartbeat is half due: sent now, it can share a relay chain with one that is.
          partners.push(peer);
        }
      }
      if (due.length > 0) this.sendToEach(due, now, partners, this.pacing.chainsPay());
      // A follower silent twice in a row is likely gone: uncommitted entries go on to the
      // next healthy followers too, instead of waiting for the silent one's return.
      if (stalled && this._commitIndex < this.log.lastIndex) this.replicate(now);
    } else if (now >= this.electionDeadline) {
      if (this.needsLeader(now)) this.startPreVote(now);
    } else if (now >= this.voteRetryAt()) {
      this.requestVotes(now);
    }
  }

  /** The next time `tick` has anything to do. */
  nextDeadline(): number {
    // Whether to wait for nothing is judged as of the later of the deadline and our last
    // tick: a tick after the deadline that found nothing to do must not be asked for again
    // (the deadline stays in the past; a timer would fire at once, forever).
    if (this._role !== "leader") {
      // Past the deadline with nobody wanting a leader, only a client's request (which
      // asks again) or a leader's message (which resets the timer) can change anything.
      const at = Math.max(this.electionDeadline, this.lastTickAt);
      const election = this.needsLeader(at) ? this.electionDeadline : Number.POSITIVE_INFINITY;
      return Math.min(election, this.voteRetryAt());
    }
    let next = this.contactCountedFrom() + this.config.electionTimeoutMin;
    for (const progress of this.progress.values()) next = Math.min(next, this.resendAt(progress));
    // Quiet then, quiet until a client comes: its request asks again.
    return this.quiet(Math.max(next, this.lastTickAt)) ? Number.POSITIVE_INFINITY : next;
  }

  // ---- proposals and reads ------------------------------------------------------------

  /** Appends a put as leader and sends it out; returns its index, or -1 when not leader. */
  propose(entry: LogEntry, now: number): number {
    if (this._role !== "leader") return -1;
    this.wake(now);
    const index = this.log.append(entry);
    this.replicate(now);
    this.advanceCommit(now);
    return index;
  }

  /**
   * May the leader answer a get from its applied state right now? It must hold a lease
   * and have committed an entry of its own term (so it knows all earlier commits).
   */
  canReadLocally(now: number): boolean {
    // A leader's commit index moves only by advanceCommit, which commits entries of its own
    // term: having made its first commit is having committed one.
    if (this._role !== "leader" || this.firstCommit === 0) return false;
    return leaseHolds(now, this.leaseFrom, this.config.leaseDuration);
  }

  /**
   * Sends a heartbeat, to renew the lease, to every follower not already awaiting an answer
   * from us: that answer renews it just as well (and a lost send is retried by `tick`).
   * A new leader gets a burst of held gets, each of which used to send to all followers.
   */
  renewLease(now: number): void {
    if (this._role !== "leader") return;
    this.wake(now);
    const due = this.dueScratch;
    due.length = 0;
    for (const peer of this.peers) {
      const progress = this.progress.get(peer)!;
      if (progress.lastSentAt < now && !progress.lastSendUnanswered()) due.push(peer);
    }
    this.sendToEach(due, now);
  }

  // ---- messages -----------------------------------------------------------------------

  step(message: RaftMessage, now: number): void {
    if (message.dst !== this.id || message.src === this.id) return;
    this.lastHeard.set(message.src, now);
    switch (message.type) {
      case "vote":
        return this.onVoteRequest(message, now);
      case "voted":
        return this.onVoteReply(message, now);
      case "append":
        return this.onAppend(message, now);
      case "appended":
        return this.onAppendReply(message, now);
    }
  }

  private onVoteRequest(request: VoteRequest, now: number): void {
    // Leader stickiness: while we hear from a live leader, ignore candidates entirely,
    // so a rejoining replica cannot depose a healthy leader, and leases stay sound.
    if (this.inLease(now) && (request.pre || request.term > this._term)) {
      // A follower that campaigns has lost touch with us: as leader, remind it at once
      // (one append), rather than let it retry its requests and time out again.
      const progress = this._role === "leader" ? this.progress.get(request.src) : undefined;
      if (progress !== undefined && progress.lastSentAt < now) this.sendAppend(request.src, progress, now);
      return;
    }
    const upToDate = this.log.isUpToDate(request.lastIndex, request.lastTerm);
    if (request.pre) {
      const granted = request.term > this._term && upToDate;
      // Someone electable is campaigning: we postpone our own candidacy once (until we
      // hear from a leader again), rather than race it. In a partition, the two cut-off
      // replicas then cost one campaign instead of two (docs/protocol.md, "Elections"). Only once:
      // a replica that can send but not hear would otherwise hold everyone's elections
      // off with its pre-votes.
      if (granted && !this.postponedForCandidate) {
        this.postponedForCandidate = true;
        this.resetElectionTimer(now);
      }
      this.sendVoted(request.src, granted ? request.term : this._term, true, granted);
      return;
    }
    if (request.term > this._term) this.becomeFollower(request.term, undefined, now);
    const granted = request.term === this._term && upToDate && (this._votedFor === undefined || this._votedFor === request.src);
    if (granted) {
      this._votedFor = request.src;
      this.resetElectionTimer(now);
    }
    this.sendVoted(request.src, this._term, false, granted);
  }

  /** A (pre-)vote answer also says what we know of what our last leader answered (AnswerKnowledge). */
  private sendVoted(to: NodeId, term: number, pre: boolean, granted: boolean): void {
    const { leaderToldCommit: told, ackTerm, acked } = this.answers;
    this.host.send({ type: "voted", src: this.id, dst: to, term, pre, granted, commit: this._commitIndex, told, ackTerm, acked });
  }

  private onVoteReply(reply: VoteReply, now: number): void {
    this.answers.noteVoteReply(reply, this.campaigning() ? this.round.startedAt : undefined);
    if (reply.pre) {
      // A grant that came after we had a majority still says the peer is reachable.
      if (this._role === "candidate" && reply.granted && reply.term === this._term) this.round.notePreGrant(reply.src);
      if (this._role !== "precandidate") return;
      this.round.noteAnswered(reply.src);
      if (reply.granted && reply.term === this._term + 1) {
        this.round.grant(reply.src);
        if (this.round.won()) this.startElection(now);
      } else if (!reply.granted && reply.term > this._term) {
        this.becomeFollower(reply.term, undefined, now);
      }
      return;
    }
    if (reply.term > this._term) {
      this.becomeFollower(reply.term, undefined, now);
      return;
    }
    if (this._role !== "candidate" || reply.term !== this._term) return;
    this.round.noteAnswered(reply.src);
    if (!reply.granted) return;
    this.round.grant(reply.src);
    if (this.round.won()) this.becomeLeader(now);
  }

  private onAppend(request: AppendRequest, now: number): void {
    // A relayed copy comes from a fellow follower; it is the leader's message all the same.
    const leader = request.relay?.leader ?? request.src;
    if (request.term < this._term) {
      // A stale leader: our term in the reply makes it step down.
      this.replyAppend(request, leader, false, 0, 0, 0);
      return;
    }
    if (request.term > this._term || this._role !== "follower" || this._leader !== leader) {
      this.becomeFollower(request.term, leader, now);
    }
    this.leaderContactAt = now;
    this.postponedForCandidate = false;
    this.resetElectionTimer(now);

    const { prevIndex, prevTerm } = request;
    if (prevIndex > this.log.lastIndex) {
      this.replyAppend(request, leader, false, 0, this.log.lastIndex + 1, 0);
      return;
    }
    const localPrevTerm = this.log.termAt(prevIndex);
    if (localPrevTerm !== prevTerm) {
      this.replyAppend(request, leader, false, 0, this.log.firstIndexOfTerm(prevIndex), localPrevTerm);
      return;
    }
    const lastNew = this.log.merge(prevIndex, request.entries);
    if (request.relay !== undefined) this.noteRelay(request, request.relay.match);
    this.answers.noteLeader(request.term, leader, Math.min(request.commit, lastNew));
    const known = Math.max(Math.min(request.commit, lastNew), this.replicatedOnMajority(request, lastNew));
    if (known > this._commitIndex) this.commitTo(known);
    if (request.relay === undefined && request.relayTo === undefined) this.answers.noteResentDirectly(prevIndex, lastNew);
    if (request.quiet) return;
    const next = request.relayTo;
    if (request.relay === undefined && next !== undefined && next !== leader && next !== this.id && this.peers.includes(next)) {
      // A retried chain, turned round: we were its end and hold everything, and so does
      // the follower that relayed it to us in this term (its log only grows while the
      // term lasts). Our answer was what got lost; we answer for both, one hop short.
      const heard = this.relaysHeard.get(next);
      if (request.entries.length > 0 && heard !== undefined && heard.term === request.term && heard.match >= lastNew) {
        this.replyAppend(request, leader, true, lastNew, 0, 0, { peer: next, match: heard.match, sentAt: heard.sentAt });
        return;
      }
      // Our log matches: pass the append on; the next follower answers for both of us.
      this.answers.noteRelayed(next, request.term, lastNew, now);
      this.answers.noteAcked(this._term, lastNew);
      this.host.send({
        type: "append",
        quiet: false,
        src: this.id,
        dst: next,
        term: request.term,
        prevIndex,
        prevTerm,
        entries: request.entries,
        commit: request.commit,
        sentAt: request.sentAt,
        relay: { leader, match: lastNew },
      });
      return;
    }
    this.replyAppend(request, leader, true, lastNew, 0, 0);
  }

  /** A fellow follower relayed the leader's append to us, its log matching up to `match`. */
  private noteRelay(request: AppendRequest, match: number): void {
    const heard = this.relaysHeard.get(request.src);
    if (heard === undefined) this.relaysHeard.set(request.src, { term: request.term, match, sentAt: request.sentAt });
    else if (heard.term !== request.term || match >= heard.match) {
      heard.term = request.term;
      heard.match = match;
      heard.sentAt = request.sentAt;
    }
  }

  /**
   * How far this append proves a commit by itself. The leader holds every entry it sends;
   * we now hold them up to `lastNew`; a relaying follower held them up to `relay.match`.
   * Entries of the leader's term held by a majority are committed (Raft §5.4.2), whoever
   * counts the copies: at the end of a five-replica chain, the follower that answers knows
   * the new entry is committed without waiting for the leader's next message. A successor
   * elected from the chain then knows the leader answered it (and does not answer again).
   */
  private replicatedOnMajority(request: AppendRequest, lastNew: number): number {
    const relay = request.relay;
    if ((relay === undefined ? 2 : 3) < majority(this.clusterSize)) return 0;
    const held = relay === undefined ? lastNew : Math.min(lastNew, relay.match);
    return held > 0 && this.log.termAt(held) === request.term ? held : 0;
  }

  /**
   * Answers the leader. Answering for a follower that relayed to us, the leader credits it
   * too: by default the relayer of this very append; `relay` names one from an earlier
   * relay (a turned-round chain, onAppend).
   */
  private replyAppend(
    request: AppendRequest, leader: NodeId, success: boolean, match: number, hintIndex: number, hintTerm: number,
    relay: AppendReply["relay"] = request.relay === undefined ? undefined : { peer: request.src, match: request.relay.match },
  ): void {
    if (success) this.answers.noteAcked(this._term, match);
    // One literal, `relay` left undefined when absent (encode and the DST skip it): a spread
    // of the base, cold at the chain's end, was a step of its own on every put.
    this.host.send({ type: "appended", src: this.id, dst: leader, term: this._term, success, match, hintIndex, hintTerm, sentAt: request.sentAt, relay });
  }

  private onAppendReply(reply: AppendReply, now: number): void {
    if (reply.term > this._term) {
      this.becomeFollower(reply.term, undefined, now);
      return;
    }
    if (this._role !== "leader" || reply.term !== this._term) return;
    // A follower that relayed our append to the one answering: credited with the answer
    // it did not send itself.
    if (reply.relay !== undefined) {
      const relayer = this.progress.get(reply.relay.peer);
      if (relayer !== undefined) {
        // Answered for from an earlier relay by the end of a chain we turned round: our
        // retry never went on to the relayer, so its last send is the one it relayed.
        const relayedAt = reply.relay.sentAt;
        if (relayedAt !== undefined && relayer.lastSentAt === reply.sentAt) relayer.lastSentAt = relayedAt;
        this.matched(relayer, reply.relay.match, relayedAt ?? reply.sentAt, now);
      }
    }
    const progress = this.progress.get(reply.src);
    if (!progress) return;
    this.pacing.noteRoundTrip(now - reply.sentAt, reply.relay !== undefined);
    if (reply.success) {
      // Only an answer from an unreachable follower can bring a quorum back in reach.
      const regained = progress.retransmits > UNREACHABLE_AFTER && this.reachableFollowers() < majority(this.clusterSize) - 1;
      this.matched(progress, reply.match, reply.sentAt, now);
      // Entries that waited for this answer go now, to whichever followers are best placed;
      // so do entries that waited for a quorum to be reachable again.
      if (progress.next <= this.log.lastIndex || (regained && this._commitIndex < this.log.lastIndex)) this.replicate(now);
      // A follower that caught up after our first commit was told is told it now.
      else if (this.tellsFirstCommit() && progress.toldCommit < this.firstCommit && this.holdsAll(progress)) this.sendAppend(reply.src, progress, now, true);
      return;
    }
    if (this.heardFrom(progress, now, reply.sentAt)) this.leaseFrom = this.quorumAckedSentAt();
    // Fast backtracking: skip the follower's whole conflicting term in one step.
    let next = reply.hintIndex;
    if (reply.hintTerm > 0) {
      const ours = this.log.lastIndexOfTerm(reply.hintTerm);
      if (ours > 0) next = ours + 1;
    }
    progress.next = Math.max(progress.match + 1, Math.min(next, this.log.lastIndex + 1));
    progress.probing = true;
    this.sendAppend(reply.src, progress, now);
  }

  /** A follower's log matched ours up to `match` when it got our append sent at `sentAt`. */
  private matched(progress: Progress, match: number, sentAt: number, now: number): void {
    const leaseMoved = this.heardFrom(progress, now, sentAt);
    const told = progress.firstCommitToldAt;
    if (told !== undefined && sentAt >= told && match >= this.firstCommit) progress.knowsFirstCommit = true;
    if (match > progress.match) {
      progress.match = match;
      this.loss.record(true, progress.hops);
    }
    if (progress.next <= progress.match) progress.next = progress.match + 1;
    progress.probing = false;
    this.advanceCommit(now);
    // After the commit: its walk over the followers leaves this one's data at hand.
    if (leaseMoved) this.leaseFrom = this.quorumAckedSentAt();
  }

  // ---- replication --------------------------------------------------------------------

  /**
   * Sends new entries to just enough followers to commit them: the majority-1 most
   * responsive ones (in step and answering, taking turns: follower-ranking.ts), plus
   * spares when messages are being lost (fanout.ts). The others catch up in batches
   * with their heartbeats.
   */
  private replicate(now: number): void {
    const quorum = majority(this.clusterSize) - 1;
    // Cut off from a majority (a partition, most likely), new entries cannot commit:
    // sending them to the few who still answer would only be wasted. They go out with
    // the retransmissions that find the others again.
    if (this.reachableFollowers() < quorum) return;
    const chains = this.pacing.chainsPay();
    const needed = chains ? quorum : fanout(quorum, this.peers.length, 1 - this.loss.pathSuccess(2), this.config.fanoutTarget);
    const ranked = this.ranking.rank(this.progress, this.log.lastIndex);
    const chosen = this.dueScratch;
    chosen.length = 0;
    let counted = 0;
    for (const peer of ranked) {
      if (counted >= needed) break;
      const progress = this.progress.get(peer)!;
      // A follower whose last send went unanswered is left out, unless losses are so
      // common that a few unanswered sends say little (under 30% loss, 7% of live
      // followers miss four round trips in a row): then only a heartbeat's silence does.
      const suspect = progress.retransmits > 0 && (chains || now - progress.lastHeardAt > this.config.heartbeatInterval);
      if (progress.probing || suspect) continue;
      counted++;
      if (progress.next > this.log.lastIndex) continue;
      if (progress.next - 1 !== progress.match) {
        // One append in flight per follower: entries that arrive while its answer is
        // likely on the way go with the next send, instead of one packet each. An append
        // unanswered for half the retransmission interval was likely lost: it is sent
        // again now, with the new entries, instead of at the timer and without them.
        if (now - progress.lastSentAt < this.config.retransmitInterval / 2) continue;
        this.presumeLost(progress);
      }
      chosen.push(peer);
    }
    // Under heavy loss a chain (all of its hops must get through) commits on the first
    // try less often than separate sends to spare followers: then send directly.
    this.sendToEach(chosen, now, [], needed === quorum);
  }

  /**
   * Sends each of `peers` its next append, two at a time along a relay chain when both
   * are in step and both answered the last one (a follower that did not
   * is sent to directly, so a dead or cut-off one never stalls its partner). An odd one
   * out may take a `partners` peer along, whose heartbeat is due soon anyway. Without
   * `relay`, every follower is sent to directly.
   */
  private sendToEach(peers: readonly NodeId[], now: number, partners: readonly NodeId[] = [], relay = true): void {
    const paired = this.pairedScratch;
    paired.clear();
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[i]!;
      if (paired.has(peer)) continue;
      const progress = this.progress.get(peer)!;
      let partner: NodeId | undefined;
      if (relay && this.relayable(progress)) {
        for (let j = i + 1; j < peers.length + partners.length && partner === undefined; j++) {
          const other = j < peers.length ? peers[j]! : partners[j - peers.length]!;
          if (paired.has(other)) continue;
          if (this.relayable(this.progress.get(other)!)) partner = other;
        }
      }
      if (partner === undefined) {
        this.sendAppend(peer, progress, now);
        continue;
      }
      paired.add(partner);
      // The pair's last chain went the other way: start from its end this time. If only
      // its answer was lost, that end holds everything and answers for both (onAppend).
      const partnerProgress = this.progress.get(partner)!;
      if (partnerProgress.relayedBy === peer) this.sendAppend(partner, partnerProgress, now, false, peer);
      else this.sendAppend(peer, progress, now, false, partner);
    }
  }

  /**
   * Whether a follower can be one end of a relay chain: in step, and it answered us last
   * time, or this is the first retry since (a lost packet is likelier than a dead
   * follower, and a chain costs less; a second failure and it is sent to directly).
   */
  private relayable(progress: Progress): boolean {
    return !progress.probing && progress.next - 1 === progress.match && (progress.lastHeardAt >= progress.lastSentAt || (progress.retransmits > 0 && progress.retransmits <= CHAIN_RETRIES));
  }

  /**
   * When to send to a follower again (send-pacing.ts). An unanswered probe is urgent only
   * while entries wait for a quorum that the followers in step cannot make: then it may be
   * the follower they need; otherwise a dead or cut-off follower would cost a new leader a
   * dozen quick probes (with every put, each finding the last probe overdue, when the
   * followers in step alone committed them: advanced-2's and crash-4's killed leaders).
   * The first leader ever (appointed, not elected) is its followers' first news of any
   * leader: its no-op is urgent to each until answered, as an election's votes would be.
   */
  private resendAt(progress: Progress): number {
    const urgent =
      !progress.probing ||
      (this.firstLeaderEver() && !progress.answeredOnce) ||
      (this._commitIndex < this.log.lastIndex && this.inStepFollowers() < majority(this.clusterSize) - 1);
    return this.pacing.resendAt(progress, urgent);
  }

  /**
   * Followers whose log we know matches ours and that answered one of our last two sends:
   * while they make a quorum, new entries need nobody else, and a follower that never
   * answered us (dead or cut off, most likely) is probed at the heartbeat pace only.
   */
  private inStepFollowers(): number {
    let inStep = 0;
    for (const progress of this.progress.values()) if (!progress.probing && progress.retransmits <= REROUTE_AFTER) inStep++;
    return inStep;
  }

  /** Followers that answered at least one of our last few sends. */
  private reachableFollowers(): number {
    let reachable = 0;
    for (const progress of this.progress.values()) if (progress.retransmits <= UNREACHABLE_AFTER) reachable++;
    return reachable;
  }

  /** Our last append to this follower is taken as lost: it will be sent again. */
  private presumeLost(progress: Progress): void {
    // A first loss counts at once (under heavy loss the estimate must keep up, and one
    // unanswered send is packet loss far more often than a partition); so does any while
    // no follower answers at all (heavy loss, most likely: held back, those losses kept a
    // leader under 30% loss on chains, and silent, for two seconds; a partition leaves
    // the leader its own side). The others, only once the follower answers again
    // (heardFrom).
    if (progress.retransmits === 0 || this.reachableFollowers() === 0) this.loss.record(false, progress.hops);
    else if (progress.retransmits <= LOSS_EVIDENCE_TRIES) progress.noteUnansweredSend();
    progress.retransmits++;
    progress.rewind();
  }

  /**
   * The follower answered: its silence, if any, was packet loss, and counts as such now,
   * unless it lasted past LOSS_EVIDENCE_TRIES retries (cut off or restarted, more likely).
   * Counted as the sends went unanswered, a partition's two cut-off followers put ten
   * losses into the estimate at once, and the leader gave up chains for direct sends to
   * spare followers (the cut-off ones among them) on the side that still worked; so did
   * a killed leader's silence, counted by its successor.
   */
  private heardFrom(progress: Progress, now: number, sentAt: number): boolean {
    const losses = progress.unansweredSends;
    if (losses > 0) {
      if (progress.retransmits <= LOSS_EVIDENCE_TRIES + 1) {
        const hops = progress.unansweredHops / losses;
        for (let i = 0; i < losses; i++) this.loss.record(false, hops);
      }
      progress.forgetUnansweredSends();
    }
    return progress.heard(now, sentAt);
  }

  /** Tells followers holding the new commit point about it, without wanting a reply. */
  private announceCommit(now: number): void {
    for (const [peer, progress] of this.progress) if (this.holdsAll(progress)) this.sendAppend(peer, progress, now, true);
  }

  /**
   * Holds everything committed and has nothing left to send: a quiet append to it carries
   * only the commit point.
   */
  private holdsAll(progress: Progress): boolean {
    return progress.match >= this._commitIndex && progress.next > this.log.lastIndex;
  }

  /**
   * Sends `peer` its next append; with `relayTo`, that follower gets it by way of `peer`.
   * A chain starts from whichever of the two is further behind: entries the other one
   * holds already merge as no-ops, so one append serves both.
   */
  private sendAppend(peer: NodeId, progress: Progress, now: number, quiet = false, relayTo?: NodeId): void {
    const second = relayTo === undefined ? undefined : this.progress.get(relayTo)!;
    const prevIndex = (second === undefined ? progress.next : Math.min(progress.next, second.next)) - 1;
    const entries = prevIndex < this.log.lastIndex ? this.log.slice(prevIndex + 1, this.config.maxAppendBytes, this.host.entrySize) : [];
    const append = {
      type: "append",
      quiet,
      src: this.id,
      dst: peer,
      term: this._term,
      prevIndex,
      prevTerm: this.log.termAt(prevIndex),
      entries,
      commit: this._commitIndex,
      sentAt: now,
    } as const;
    this.host.send(relayTo === undefined ? append : { ...append, relayTo });
    if (this._commitIndex > progress.toldCommit) progress.toldCommit = this._commitIndex;
    if (second !== undefined && this._commitIndex > second.toldCommit) second.toldCommit = this._commitIndex;
    // The first send that carries our first commit and asks for an answer: once answered,
    // that follower has decided about any put of its own we guessed answered (guessSettled).
    if (!quiet && this.firstCommit > 0) {
      if (progress.firstCommitToldAt === undefined) progress.firstCommitToldAt = now;
      if (second !== undefined && second.firstCommitToldAt === undefined) second.firstCommitToldAt = now;
    }
    // A quiet announcement asks for nothing back, so it does not delay the next heartbeat.
    if (!quiet) progress.lastSentAt = now;
    if (!progress.probing) progress.next = prevIndex + entries.length + 1;
    progress.hops = second === undefined ? 2 : 3;
    if (!quiet) progress.relayedBy = undefined;
    if (second !== undefined) {
      second.relayedBy = peer;
      second.hops = 3;
      second.lastSentAt = now;
      second.next = progress.next;
    }
  }

  /** Raft §5.4.2: only an entry of the current term is committed by counting replicas. */
  private advanceCommit(now: number): void {
    const values = this.quorumValues;
    values[0] = this.log.lastIndex;
    let i = 1;
    for (const progress of this.progress.values()) values[i++] = progress.match;
    const candidate = quorumValue(values, this.quorumScratch);
    if (candidate > this._commitIndex && this.log.termAt(candidate) === this._term) {
      this.commitTo(candidate);
      // Our first commit (our no-op, most likely) is told to every follower that holds it,
      // in one quiet message each: a deposed leader among them learns at once whether it
      // must answer a put of its own late (Replica.settle), instead of at our next
      // heartbeat, and the client requests it holds meanwhile go on sooner. A few
      // messages per election.
      const first = this.firstCommit === 0;
      if (first) this.firstCommit = candidate;
      if (this.config.announceCommits || (first && this.tellsFirstCommit())) this.announceCommit(now);
    }
  }

  private commitTo(index: number): void {
    if (index > this._commitIndex) this._commitIndex = index;
    while (this._lastApplied < this._commitIndex) {
      this._lastApplied++;
      this.host.apply(this._lastApplied, this.log.entry(this._lastApplied));
    }
  }

  /** The lease's start (leaseFrom) from the followers' acknowledged sends. */
  private quorumAckedSentAt(): number {
    const values = this.quorumValues;
    values[0] = Number.POSITIVE_INFINITY;
    let i = 1;
    for (const progress of this.progress.values()) values[i++] = progress.ackedSentAt;
    return quorumValue(values, this.quorumScratch);
  }

  // ---- roles --------------------------------------------------------------------------

  private inLease(now: number): boolean {
    return this._role === "leader" || now - this.leaderContactAt < this.config.electionTimeoutMin;
  }

  /** Check-quorum: a leader that has not heard from a majority for a timeout steps down. */
  private hasQuorumContact(now: number): boolean {
    // Written as nextDeadline() computes it, so the tick at that deadline does step down.
    return now < this.contactCountedFrom() + this.config.electionTimeoutMin;
  }

  /** Check-quorum counts from the last majority's answers, or from waking if later. */
  private contactCountedFrom(): number {
    return Math.max(this.quorumHeardAt(), this.wokeAt);
  }

  /**
   * A leader with nothing to do falls quiet: no heartbeats, no check-quorum. Nothing is
   * lost by it: no client came for a heartbeat interval, every entry is committed, and
   * every follower that answers us acknowledged being told the commit of all it holds, so
   * none campaigns (needsLeader) until a client asks one; the lease simply runs out. The
   * first request wakes us (propose, renewLease), and a follower a client reached instead
   * sends us a pre-vote, which we answer at once with an append.
   */
  private quiet(now: number): boolean {
    if (this.clientSilence(now) < this.config.heartbeatInterval) return false;
    const commit = this._commitIndex;
    if (commit < this.log.lastIndex) return false;
    for (const progress of this.progress.values()) {
      const told = !this.putsBetween(progress.toldCommit, Math.min(progress.match, commit)) && progress.lastSendAcknowledged();
      if (!told && now - progress.lastHeardAt <= this.config.electionTimeoutMin) return false;
    }
    return true;
  }

  /**
   * A client came (the host tells us before it updates clientsSeenAt): if we had fallen
   * quiet, majority contact counts from now. Quiet is a state we may never have ticked in
   * (nextDeadline() stops the timer), so it is tested here too.
   */
  private wake(now: number): void {
    if (!this.fellQuiet && !this.quiet(now)) return;
    this.fellQuiet = false;
    this.wokeAt = now;
  }

  /**
   * How long no client has reached us as of `at`: -Infinity while one waits, 0 without
   * elections on demand (classic Raft: clients always present), so that neither quiet()
   * nor needsLeader() need a case of their own.
   */
  private clientSilence(at: number): number {
    if (!this.config.electOnDemand) return 0;
    return at - (this.host.clientsSeenAt?.() ?? at);
  }

  /** The latest time by which a majority (counting ourselves) had been heard from. */
  private quorumHeardAt(): number {
    const values = this.quorumValues;
    values[0] = Number.POSITIVE_INFINITY;
    let i = 1;
    for (const progress of this.progress.values()) values[i++] = progress.lastHeardAt;
    return quorumValue(values, this.quorumScratch);
  }

  /**
   * Whether an election is worth its messages: we hold entries no leader told us it had
   * committed (and so answered), which someone must finish; or a client wants a leader; or
   * there never was one (a new cluster is about to be used: electing it before the first
   * request spares that request the wait, and advanced-3 2% of its ungenerated gets).
   */
  private needsLeader(at: number): boolean {
    if (this._term === 0 || this.putsBetween(this.answers.leaderToldCommit, this.log.lastIndex)) return true;
    return this.clientSilence(at) < this.config.electionTimeoutMax;
  }

  /**
   * Whether a put lies in (after, upTo]. Only puts have a client waiting for someone to
   * finish them; a leader's no-op beyond what a follower was told committed needs no
   * election (needsLeader) and no message to tell it (quiet): at start-up that was four
   * messages a run, the first leader's no-op told to every follower.
   */
  private putsBetween(after: number, upTo: number): boolean {
    for (let index = upTo; index > after; index--) if (this.log.entry(index).key !== undefined) return true;
    return false;
  }

  /**
   * Whether our first commit, once made, is told to every follower holding it: that is for
   * a deposed leader's sake (and a guess's), and the first leader ever has none.
   */
  private tellsFirstCommit(): boolean {
    return this.firstCommit > 0 && !this.firstLeaderEver();
  }

  /**
   * As leader: nobody led before us, so no deposed leader holds a put, and every log was
   * empty when we took over (an entry of term 1 could only be ours).
   */
  private firstLeaderEver(): boolean {
    return this._term === 1;
  }

  private startPreVote(now: number): void {
    if (this._term === 0) {
      // A new cluster: term 1 and its vote are the appointed leader's (firstTimeout). We
      // are it, or it never reached us and we campaign for term 2, with a pre-vote, as it
      // may be leading the others.
      this._term = 1;
      this._votedFor = this.appointed;
      if (this.id === this.appointed) {
        this.becomeLeader(now);
        return;
      }
    }
    this.round.campaignAgainst(this._leader);
    this._role = "precandidate";
    this._leader = undefined;
    this.startRound(now);
    if (this.round.won()) {
      this.startElection(now);
      return;
    }
    this.requestVotes(now);
  }

  private startElection(now: number): void {
    this.round.carryPreGrants();
    this._term++;
    this._votedFor = this.id;
    this._role = "candidate";
    this._leader = undefined;
    this.startRound(now);
    if (this.round.won()) {
      this.becomeLeader(now);
      return;
    }
    this.requestVotes(now);
  }

  private startRound(now: number): void {
    this.round.start(now);
    this.resetElectionTimer(now);
  }

  /**
   * Asks every peer that has not answered this round. Repeated a few times: under heavy
   * loss, waiting a whole election timeout for each lost request or reply would keep a
   * cluster leaderless for seconds.
   */
  private requestVotes(now: number): void {
    const pre = this._role === "precandidate";
    const term = pre ? this._term + 1 : this._term;
    const stillSilent = (peer: NodeId) => now - this.lastHeardFrom(peer) >= this.config.electionTimeoutMin;
    for (const peer of this.peers) {
      if (!this.round.asks(peer, !pre, stillSilent)) continue;
      this.host.send({ type: "vote", src: this.id, dst: peer, term, pre, lastIndex: this.log.lastIndex, lastTerm: this.log.lastTerm });
    }
    this.round.noteAsked(now);
  }

  private campaigning(): boolean {
    return this._role === "precandidate" || this._role === "candidate";
  }

  /** When to ask the silent peers again, if at all. */
  private voteRetryAt(): number {
    return this.campaigning() ? this.round.retryAt(this._role === "candidate") : Number.POSITIVE_INFINITY;
  }

  private becomeLeader(now: number): void {
    this._role = "leader";
    this._leader = this.id;
    this._leaderCommitFloor = this.answers.answeredBefore(this._commitIndex);
    this.guessedAbove = Math.min(this.answers.toldCommit(), this._leaderCommitFloor);
    this.leaderSince = now;
    this.fellQuiet = false;
    this.wokeAt = Number.NEGATIVE_INFINITY;
    this.firstCommit = 0;
    this.progress.clear();
    for (const peer of this.peers) this.progress.set(peer, new Progress(this.log.lastIndex + 1, now));
    // No answers yet: no lease, unless we are a quorum on our own (a cluster of one).
    this.leaseFrom = this.quorumAckedSentAt();
    // A no-op of our own term: committing it tells us everything committed before us. It
    // says which puts we will not answer (our floor), for a deposed leader that holds one.
    this.log.append({ term: this._term, floor: this._leaderCommitFloor });
    if (this.firstLeaderEver()) this.sendAlongChains(now);
    else for (const [peer, progress] of this.progress) this.sendAppend(peer, progress, now);
    this.advanceCommit(now);
  }

  /**
   * The first leader ever knows every follower's log without a probe: empty, as ours was.
   * Its no-op goes along relay chains, two followers each, 6 messages instead of 8. The followers stay probing until they answer:
   * a chain that fails is retried directly (relayable), and a follower that never answers
   * is probed at the heartbeat pace, as after any election (resendAt).
   */
  private sendAlongChains(now: number): void {
    const peers = this.peers;
    for (let i = 0; i < peers.length; i += 2) {
      const peer = peers[i]!;
      this.sendAppend(peer, this.progress.get(peer)!, now, false, peers[i + 1]);
    }
  }

  private becomeFollower(term: number, leader: NodeId | undefined, now: number): void {
    const wasLeader = this._role === "leader";
    if (term > this._term) {
      this._term = term;
      // Term 1's vote was the appointed leader's from the start (firstTimeout).
      this._votedFor = term === 1 ? this.appointed : undefined;
    }
    this._role = "follower";
    this._leader = leader;
    this.round.clearGrants();
    if (wasLeader) {
      this.progress.clear();
      // Our own lease may still be running: refuse votes until it surely has not.
      this.leaderContactAt = now;
    }
    this.resetElectionTimer(now);
  }

  private stepDown(now: number): void {
    this.becomeFollower(this._term, undefined, now);
  }

  private resetElectionTimer(now: number): void {
    this.electionDeadline = now + this.uniform(this.config.electionTimeoutMin, this.config.electionTimeoutMax);
  }

  private uniform(min: number, max: number): number {
    return min + this.random() * (max - min);
  }
}
