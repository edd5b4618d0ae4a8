// How many followers to send a new entry to. A commit needs `needed` acknowledgements;
// sending to exactly that many is cheapest, but then any lost message stalls the commit
// until a retransmission. The leader estimates how often a round trip fails and sends to
// just enough followers that the first try commits with high probability.

/**
 * How likely one message is to arrive, judged from the outcomes of whole paths: a direct
 * round trip is 2 messages, a relay chain 3, and the per-message rate is the path success
 * rate's `hops`-th root. One per-message rate judges chains and round trips alike; a plain
 * failure rate did not (a chain fails more often than a round trip over the same network,
 * so chains drove it up until the leader dropped them, and round trips back down until it
 * took them up again).
 *
 * Both averages cover about the last `memory` outcomes: a plain average while there are
 * fewer (a new leader learns fast), then exponentially weighted. The starting point, no
 * loss, counts as `prior` outcomes, so that one unlucky chain does not count as a lossy
 * network. With a memory of 10, the estimate under 30% loss swung between 52% and 88% per
 * message, and the leader changed its mind from one put to the next.
 */
export class LossEstimate {
  private success = 1;
  private hops = 2;
  private outcomes = 0;

  constructor(
    private readonly memory = 50,
    private readonly prior = 8,
  ) {}

  /** Probability that one message arrives. */
  get delivery(): number {
    return this.success <= 0 ? 0 : this.success ** (1 / this.hops);
  }

  /** Probability that a path of `hops` messages gets through. */
  pathSuccess(hops: number): number {
    return this.delivery ** hops;
  }

  record(delivered: boolean, hops: number): void {
    this.outcomes++;
    const weight = 1 / Math.min(this.outcomes + this.prior, this.memory);
    this.success = this.success * (1 - weight) + (delivered ? weight : 0);
    this.hops = this.hops * (1 - weight) + hops * weight;
  }
}

/**
 * The smallest k in [needed, available] with P(at least `needed` of k round trips
 * succeed) >= target, when each fails independently with probability `failure`.
 */
export function fanout(needed: number, available: number, failure: number, target: number): number {
  if (needed <= 0) return 0;
  const success = 1 - failure;
  for (let k = needed; k < available; k++) {
    if (atLeast(needed, k, success) >= target) return k;
  }
  return available;
}

/** P(Binomial(n, p) >= m). */
function atLeast(m: number, n: number, p: number): number {
  let total = 0;
  let coefficient = 1; // C(n, i), built up as i grows
  for (let i = 0; i <= n; i++) {
    if (i > 0) coefficient = (coefficient * (n - i + 1)) / i;
    if (i >= m) total += coefficient * p ** i * (1 - p) ** (n - i);
  }
  return total;
}
