// Which puts an earlier leader already answered. Only the leader that applies a put
// answers its client, so a new leader must tell the puts its predecessors answered (not
// to be answered again: a duplicate) from those nobody did (its to answer). No message
// says so outright; this is what a replica gathers while it follows (the leaders' commit
// indexes, its own answers, the relays it passed on) and from the votes it is given, and
// what it concludes as it takes over (docs/protocol.md, "Who answers a put"). Pure data:
// RaftNode feeds it and asks it.
import type { RaftLog } from "./log.ts";
import { quorumValue } from "./quorum.ts";
import type { NodeId, VoteReply } from "./types.ts";

/** Leaders of this many recent terms are remembered (whose puts a new leader may guess about). */
const TERM_LEADERS_KEPT = 8;

export class AnswerKnowledge {
  /** The highest commit index a voter has told us of: those entries were answered already. */
  private peerCommit = 0;
  /** The highest commit index a leader's append told us: that leader had answered up to there. */
  private _leaderToldCommit = 0;
  /** The highest such index a voter has told us of. */
  private peerToldCommit = 0;
  /** Our last successful answer to a leader: its term and our match (votes carry it). */
  private _ackTerm = 0;
  private _acked = 0;
  /** Per voter, the last successful answer it gave a leader (from its vote replies). */
  private readonly peerAcks = new Map<NodeId, { term: number; index: number }>();
  /** Who led each recent term we followed: the replica that would answer its puts. */
  private readonly termLeaders = new Map<number, NodeId>();
  /** The last entry we relayed to the end of a chain (index and term): see answeredBefore. */
  private relayedIndex = 0;
  private relayedTerm = 0;
  /** The chain's end we relayed that entry to, and whether the entry was new in that term. */
  private relayedTo: NodeId | undefined;
  private relayedFresh = false;
  /** When we relayed it. */
  private relayedAt = Number.NEGATIVE_INFINITY;
  private readonly quorumValues: Float64Array;
  private readonly quorumScratch: Float64Array;

  constructor(
    private readonly id: NodeId,
    private readonly peers: readonly NodeId[],
    private readonly log: RaftLog,
  ) {
    this.quorumValues = new Float64Array(peers.length + 1);
    this.quorumScratch = new Float64Array(peers.length + 1);
  }

  /** The highest commit index a leader told us of (our votes carry it). */
  get leaderToldCommit(): number { return this._leaderToldCommit; }
  /** Our last successful answer to a leader: its term and our match (our votes carry them). */
  get ackTerm(): number { return this._ackTerm; }
  get acked(): number { return this._acked; }

  /** The highest commit index any leader is known to have told: up to there, it had answered. */
  toldCommit(): number {
    return Math.max(this._leaderToldCommit, this.peerToldCommit);
  }

  /** The replica that led `term`, if we followed it. */
  leaderOf(term: number): NodeId | undefined {
    return this.termLeaders.get(term);
  }

  /** The leader of `term` reached us, telling us it had committed (and answered) up to `told`. */
  noteLeader(term: number, leader: NodeId, told: number): void {
    if (told > this._leaderToldCommit) this._leaderToldCommit = told;
    if (this.termLeaders.get(term) === leader) return;
    this.termLeaders.set(term, leader);
    for (const old of this.termLeaders.keys()) if (old <= term - TERM_LEADERS_KEPT) this.termLeaders.delete(old);
  }

  /**
   * We answered the leader of `term` with `match` (for our votes: a successor counts who
   * answered its predecessor, ackedByQuorum). Relaying counts as answering: the chain's end
   * answers for us with the very match we pass on, and the leader credits us with it as
   * if we had.
   */
  noteAcked(term: number, match: number): void {
    if (term !== this._ackTerm || match > this._acked) {
      this._ackTerm = term;
      this._acked = match;
    }
  }

  /** We relayed a leader's append of `term` to `to`, our log then ending at `lastNew`. */
  noteRelayed(to: NodeId, term: number, lastNew: number, now: number): void {
    if (lastNew <= this.relayedIndex) return;
    this.relayedIndex = lastNew;
    this.relayedTerm = this.log.termAt(lastNew);
    this.relayedTo = to;
    this.relayedFresh = this.relayedTerm === term;
    this.relayedAt = now;
  }

  /**
   * The leader sent us directly, from `prevIndex` up to `lastNew`, what we had relayed: our
   * chain did not get through (as far as it knows), so the entry may be unanswered. A
   * guess withdrawn, not made.
   */
  noteResentDirectly(prevIndex: number, lastNew: number): void {
    if (prevIndex < this.relayedIndex && lastNew >= this.relayedIndex) this.relayedIndex = 0;
  }

  /**
   * A (pre-)vote answer, with what its voter knows of what its last leader answered.
   * `roundStartedAt`: when our current campaign round began, undefined when we are not
   * campaigning.
   */
  noteVoteReply(reply: VoteReply, roundStartedAt: number | undefined): void {
    if (reply.commit > this.peerCommit) this.peerCommit = reply.commit;
    if (reply.told > this.peerToldCommit) this.peerToldCommit = reply.told;
    const ack = this.peerAcks.get(reply.src);
    if (ack === undefined) this.peerAcks.set(reply.src, { term: reply.ackTerm, index: reply.acked });
    else if (reply.ackTerm > ack.term || (reply.ackTerm === ack.term && reply.acked > ack.index)) {
      ack.term = reply.ackTerm;
      ack.index = reply.acked;
    }
    // The chain's end we relayed to would have committed the entry on receiving it (it
    // was new in its leader's term: RaftNode.replicatedOnMajority). Its commit below it
    // says our relay never arrived: nobody answered that put, so our guess is withdrawn.
    // Only an answer to a round we began after relaying says so: a late one from an
    // earlier campaign was written before the relay could arrive.
    if (reply.src === this.relayedTo && this.relayedFresh && reply.commit < this.relayedIndex && roundStartedAt !== undefined && roundStartedAt >= this.relayedAt) {
      this.relayedIndex = 0;
    }
  }

  /**
   * The entries, as we take over with `commitIndex` committed, that an earlier leader
   * already answered: those we know committed; those our voters knew committed (the last
   * one before the old leader fell, say); and the last one we relayed along a chain, if
   * still in our log as it was (it almost surely reached the chain's end and was
   * answered, and that end may be cut off with the old leader and unable to tell us).
   */
  answeredBefore(commitIndex: number): number {
    const relayed = this.log.termAt(this.relayedIndex) === this.relayedTerm ? this.relayedIndex : 0;
    const told = Math.min(Math.max(this.peerCommit, relayed), this.log.lastIndex);
    return Math.max(commitIndex, told, this.ackedByQuorum());
  }

  /**
   * The commit point the leader of the last term we hold would have reached had every
   * successful answer it was given arrived: the commit rule over its followers' last
   * answers (ours and the voters'), that leader holding every entry of its term we hold.
   * It then answered those puts, most likely.
   */
  private ackedByQuorum(): number {
    const term = this.log.lastTerm;
    const last = this.log.lastIndex;
    const leader = this.termLeaders.get(term);
    const values = this.quorumValues;
    values[0] = last;
    let i = 1;
    // A leader never answers itself; one we did not follow, we did not answer either.
    if (leader !== undefined && leader !== this.id) values[i++] = this._ackTerm === term ? Math.min(this._acked, last) : 0;
    for (const peer of this.peers) {
      if (peer === leader) continue;
      const ack = this.peerAcks.get(peer);
      values[i++] = ack !== undefined && ack.term === term ? Math.min(ack.index, last) : 0;
    }
    const index = quorumValue(values, this.quorumScratch);
    return index > 0 && this.log.termAt(index) === term ? index : 0;
  }
}
