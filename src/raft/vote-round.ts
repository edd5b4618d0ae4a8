// One campaign round, pre-vote or real: who granted, who answered, how often each silent
// peer has been asked and when to ask again. RaftNode decides when a round starts, what
// it asks for and what a majority leads to; this keeps the counts.
import { majority } from "./quorum.ts";
import type { NodeId } from "./types.ts";

/** (Pre-)vote requests go out at most this many times per round, this far apart... */
const VOTE_TRIES = 3;
/**
 * ...except to a peer that granted our pre-vote: reachable and willing, its real vote is
 * asked for up to this many times. Under 30% loss, three tries lost a needed vote in
 * about one election in twenty, which then waited out a whole election timeout with no
 * leader; a peer cut off by a partition never granted the pre-vote, so it costs no more.
 */
const VOTE_TRIES_PRE_GRANTED = 8;
const VOTE_RETRY_MS = 60;

export class VoteRound {
  /** When the current (or last) round began. */
  private _startedAt = Number.NEGATIVE_INFINITY;
  /** The leader whose silence started our campaign: asked once per round, not again. */
  private silentLeader: NodeId | undefined;
  /** Granted this round, ourselves included. */
  private readonly granted = new Set<NodeId>();
  /** Peers that answered this round, granted or not. */
  private readonly answered = new Set<NodeId>();
  /** As candidate: the peers that granted our pre-vote for this term. */
  private readonly preGranted = new Set<NodeId>();
  private tries = 0;
  private sentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly self: NodeId,
    private readonly clusterSize: number,
  ) {}

  get startedAt(): number { return this._startedAt; }

  /** A campaign begins because `leader` (if we knew one) fell silent. */
  campaignAgainst(leader: NodeId | undefined): void {
    if (leader !== undefined) this.silentLeader = leader;
  }

  /** A new round: only our own vote so far, nobody asked yet. */
  start(now: number): void {
    this._startedAt = now;
    this.granted.clear();
    this.granted.add(this.self);
    this.answered.clear();
    this.tries = 0;
  }

  /** The pre-vote won: its granters are the peers the real vote asks longest (call before start). */
  carryPreGrants(): void {
    this.preGranted.clear();
    for (const peer of this.granted) if (peer !== this.self) this.preGranted.add(peer);
  }

  /** A pre-vote grant for our term that came after we had a majority: the peer is reachable all the same. */
  notePreGrant(peer: NodeId): void {
    this.preGranted.add(peer);
  }

  noteAnswered(peer: NodeId): void {
    this.answered.add(peer);
  }

  grant(peer: NodeId): void {
    this.granted.add(peer);
  }

  won(): boolean {
    return this.granted.size >= majority(this.clusterSize);
  }

  /** No round is running (we follow or lead): its grants count for nothing. */
  clearGrants(): void {
    this.granted.clear();
  }

  /**
   * Whether to ask `peer` in this try: it has not answered, has tries left, and is not
   * the leader whose silence started the campaign and is still silent (`stillSilent`,
   * asked only on a retry).
   */
  asks(peer: NodeId, candidate: boolean, stillSilent: (peer: NodeId) => boolean): boolean {
    if (this.answered.has(peer)) return false;
    if (this.tries >= this.triesFor(peer, candidate)) return false;
    return !(this.tries > 0 && peer === this.silentLeader && stillSilent(peer));
  }

  /** The requests of one try went out. */
  noteAsked(now: number): void {
    this.tries++;
    this.sentAt = now;
  }

  /** When to ask the silent peers again, if at all. */
  retryAt(candidate: boolean): number {
    const retryAt = this.sentAt + VOTE_RETRY_MS;
    if (this.tries < VOTE_TRIES) return retryAt;
    for (const peer of this.preGranted) if (!this.answered.has(peer) && this.tries < this.triesFor(peer, candidate)) return retryAt;
    return Number.POSITIVE_INFINITY;
  }

  /** How many times this round asks `peer`: longer, as candidate, if it granted our pre-vote. */
  private triesFor(peer: NodeId, candidate: boolean): number {
    return candidate && this.preGranted.has(peer) ? VOTE_TRIES_PRE_GRANTED : VOTE_TRIES;
  }
}
