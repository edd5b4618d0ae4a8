// What the leader knows about one follower (etcd's tracker/progress.go, simplified).
// Probing: one append in flight until the follower's log is found to match.
// Replicating: appends are pipelined, `next` advanced optimistically as they are sent.

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

  constructor(next: number, now: number) {
    this.next = next;
    this.lastHeardAt = now;
  }

  /** Unacknowledged entries are re-sent from just after the match point. */
  rewind(): void {
    this.next = this.match + 1;
  }
}
