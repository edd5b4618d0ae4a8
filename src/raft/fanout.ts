// How many followers to send a new entry to. A commit needs `needed` acknowledgements;
// sending to exactly that many is cheapest, but then any lost message stalls the commit
// until a retransmission. The leader estimates how often a round trip fails and sends to
// just enough followers that the first try commits with high probability.

/** Probability that a round trip fails, as an exponentially weighted moving average. */
export class LossEstimate {
  private failure = 0;

  constructor(private readonly weight = 0.1) {}

  get value(): number {
    return this.failure;
  }

  recordSuccess(): void {
    this.failure *= 1 - this.weight;
  }

  recordFailure(): void {
    this.failure = this.failure * (1 - this.weight) + this.weight;
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
