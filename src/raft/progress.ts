// What the leader knows about one follower (etcd's tracker/progress.go, simplified).
// Probing: one append in flight until the follower's log is found to match.
// Replicating: appends are pipelined, `next` advanced optimistically as they are sent.
import type { NodeId } from "./types.ts";

export class Progress {
  /** Index of the next entry to send. */
  next: number;
  /** Highest index known to be replicated on the follower. */
  match = 0;
  probing = true;
  /** When anything was last sent to this follower (leader's clock). */
  lastSentAt = Number.NEGATIVE_INFINITY;
  /** When the follower last answered in this term (check-quorum). */
  lastHeardAt: number;
  /** The newest `sentAt` of ours the follower acknowledged in this term (the lease). */
  ackedSentAt = Number.NEGATIVE_INFINITY;
  /** Messages on the path of our last send and its answer: 2 direct, 3 along a relay chain. */
  hops = 2;
  /** The highest commit index any append to this follower carried. */
  toldCommit = 0;
  /** As a new leader: when our first send carrying our first commit went to it. */
  firstCommitToldAt: number | undefined = undefined;
  /** It acknowledged a send carrying our first commit with its log matching up to it. */
  knowsFirstCommit = false;
  /** The follower our last send reached this one through, when it was a chain's end. */
  relayedBy: NodeId | undefined = undefined;
  /** Retransmissions since the follower last answered: each waits longer (send-pacing.ts). */
  retransmits = 0;
  /** Sends taken as lost since the follower last answered, and their paths' hops in all. */
  unansweredSends = 0;
  unansweredHops = 0;

  constructor(next: number, now: number) {
    this.next = next;
    this.lastHeardAt = now;
  }

  /**
   * The follower answered our append sent at `sentAt`: it is reachable (a loss is retried
   * quickly again), and it acknowledged that send (the lease). True when that send is
   * newer than any it had acknowledged: the leader's lease may move.
   */
  heard(now: number, sentAt: number): boolean {
    this.lastHeardAt = now;
    this.retransmits = 0;
    if (sentAt <= this.ackedSentAt) return false;
    this.ackedSentAt = sentAt;
    return true;
  }

  /** The follower acknowledged some send of ours in this term. */
  get answeredOnce(): boolean {
    return this.ackedSentAt !== Number.NEGATIVE_INFINITY;
  }

  /** Nothing from the follower since our last send to it (at the same instant included). */
  lastSendUnanswered(): boolean {
    return this.lastHeardAt <= this.lastSentAt;
  }

  /** Entries sent past the match point and not yet acknowledged (else only heartbeats). */
  entriesInFlight(): boolean {
    return this.next - 1 > this.match;
  }

  /**
   * The follower answered our latest send (the answer echoes that send's time). Unlike
   * lastSendUnanswered, an answer given at the very instant of the send counts.
   */
  lastSendAcknowledged(): boolean {
    return this.ackedSentAt >= this.lastSentAt;
  }

  /** Our last send is taken as lost; whether to the loss estimate, its answer will tell. */
  noteUnansweredSend(): void {
    this.unansweredSends++;
    this.unansweredHops += this.hops;
  }

  forgetUnansweredSends(): void {
    this.unansweredSends = 0;
    this.unansweredHops = 0;
  }

  /** Unacknowledged entries are re-sent from just after the match point. */
  rewind(): void {
    this.next = this.match + 1;
  }
}
