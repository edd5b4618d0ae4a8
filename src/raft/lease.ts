// Leader leases: when may a leader answer a get from its own state, without a round trip?
//
// Argument. Let t be the leader's clock when it sent an append that a majority M
// acknowledged in its current term. Each member of M received it at some r >= t and from
// then on refuses to vote (and to pre-vote) until r + electionTimeoutMin, because it heard
// from a live leader (node.ts, `inLease`); a restarted member that has ever seen a term
// refuses until electionTimeoutMin after its restart. Any new leader needs the votes of a
// majority, which shares a member with M, so no other leader can exist before
// t + electionTimeoutMin. With leaseDuration < electionTimeoutMin the leader's lease
// t + leaseDuration ends strictly before then: until it does, the leader is the only one
// and its applied state (once it has committed an entry of its own term, so that it knows
// every entry committed before it) is the latest committed state.
// Clocks: all replicas share one machine's monotonic clock (or the simulation's virtual
// clock), so rates do not drift; the margin electionTimeoutMin - leaseDuration absorbs
// scheduling delay between reading the clock and acting on it.

/** Whether a leader whose newest quorum-acknowledged send time is `quorumAckedAt` may read alone. */
export function leaseHolds(now: number, quorumAckedAt: number, leaseDuration: number): boolean {
  return now < quorumAckedAt + leaseDuration;
}
