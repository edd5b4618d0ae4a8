// When a leader sends to a follower again: a lost append is retried within a few round
// trips, a silent follower backs off, an idle one gets a heartbeat. And which path new
// entries take, relay chains or direct sends, since both depend on how lossy the network
// looks. Pure: times come in as arguments, what the leader knows of a follower as its
// Progress.
import type { LossEstimate } from "./fanout.ts";
import type { Progress } from "./progress.ts";
import type { RaftConfig } from "./types.ts";

/**
 * Below this first-try success rate, new entries go to spare followers directly instead
 * of along chains: at 15% packet loss 61% of chains get through (cheaper than spares), at
 * 30% only 34% (spares commit sooner). Once the loss estimate judged chains and round
 * trips alike and retransmissions went direct too, advanced-3's (30% loss) median latency
 * over seeds 1-5 went from 0.89-5.22 to 0.95-1.31 ms (full suite at cf8ce30).
 */
const CHAIN_SUCCESS_FLOOR = 0.5;
/**
 * The first retransmissions wait this many smoothed round trips (of the path the send
 * took: direct, or along a chain), between this fraction of retransmitInterval and all
 * of it (see retransmitAfter).
 */
const RETRANSMIT_FLOOR = 0.5;
const RETRANSMIT_ROUND_TRIPS = 3;
/**
 * While at most this many retransmissions in a row went unanswered, the next one still
 * waits the round-trip timer (three quick retries in all); after that the waits grow.
 */
const QUICK_RETRIES = 2;
/** Weight of each new round-trip sample in the smoothed round trip (as TCP's SRTT). */
const ROUND_TRIP_GAIN = 1 / 8;
/**
 * An unanswered heartbeat is sent again after at least this long. Retried after the
 * retransmission interval (4 ms) like entries, it went out again before the answer could
 * arrive wherever a round trip takes longer: in the DST's slow networks (delays up to
 * 21 ms) the leader ticked four times as often and sent 2.8 times the appends.
 */
export const HEARTBEAT_RETRY_MS = 50;
/** A follower that never answered us is taken as gone after this many silent heartbeat intervals. */
const SILENT_AFTER = 4;
/** ... and is then sent to at least once per this many intervals. */
const SILENT_PACE_LIMIT = 8;

export class SendPacing {
  /** Smoothed time from an append to its direct answer, from the `sentAt` each answer echoes. */
  private roundTrip: number | undefined;
  /** The same along relay chains (leader, two followers, leader), from relayed answers. */
  private chainRoundTrip: number | undefined;

  /** `loss` is the leader's own estimate, which it keeps up to date as sends succeed or fail. */
  constructor(
    private readonly config: Pick<RaftConfig, "heartbeatInterval" | "retransmitInterval">,
    private readonly loss: LossEstimate,
  ) {}

  /**
   * An answer came back `sample` ms after the send it echoes. Each send carries its own
   * time, so a retransmission's answer is never mistaken for the original's (no Karn
   * ambiguity). Relayed answers cover a longer path: kept apart (a turned-round chain's
   * answer, two hops, lands there too and only shortens it a little).
   */
  noteRoundTrip(sample: number, relayed: boolean): void {
    if (relayed) this.chainRoundTrip = smoothed(this.chainRoundTrip, sample);
    else this.roundTrip = smoothed(this.roundTrip, sample);
  }

  /**
   * Whether relay chains are the cheaper way to a quorum: while most of them get through.
   * Under heavier loss, entries (and their retransmissions) go directly, to spare
   * followers too.
   */
  chainsPay(): boolean {
    return this.loss.pathSuccess(3) >= CHAIN_SUCCESS_FLOOR;
  }

  /**
   * When to send to a follower again: soon if a send to it that matters is unanswered (a
   * loss, most likely), backing off exponentially while it stays silent, and never later
   * than the heartbeat pace; so a lost message costs a few milliseconds, and a dead or
   * cut-off follower a handful of packets, not hundreds. `urgent` is the leader's call
   * (node.ts): false for a probe that nothing waits on, which then goes at the heartbeat
   * pace only.
   */
  resendAt(progress: Progress, urgent: boolean): number {
    const heartbeatAt = progress.lastSentAt + this.heartbeatPace(progress);
    if (!urgent || !awaitingAnswer(progress)) return heartbeatAt;
    // Two quick retries first: on a lossy link a live follower is worth them. Then the
    // gap grows fourfold under light loss (16, 64, 256 ms, then the heartbeat): a
    // follower silent through three tries is then unreachable more likely than unlucky
    // (at 10% loss, 0.7% of live ones are), and doubling cost each cut-off follower 8
    // sends in its first 0.5 s. Under heavy loss (13% at 30%) it only doubles: fourfold
    // there raised advanced-3's put p50 from 1.7 to 4.5 ms.
    const chains = this.chainsPay();
    const backoff = (chains ? 4 : 2) ** Math.min(Math.max(0, progress.retransmits - QUICK_RETRIES), 8);
    // Under light loss, a follower silent through the quick retries is likelier cut off
    // than unlucky: its back-off starts from the light-loss interval, as it did before
    // the quick retries followed the round trip (else partition-2 +12 messages a run).
    const quick = !chains || progress.retransmits <= QUICK_RETRIES;
    const wait = (quick ? this.retransmitAfter(chains) : this.config.retransmitInterval) * backoff;
    // Nothing but a heartbeat is waiting: no put waits on it, so it is not repeated
    // before a slow link could have answered it.
    const heartbeatOnly = !progress.probing && !progress.entriesInFlight();
    return Math.min(heartbeatAt, progress.lastSentAt + (heartbeatOnly ? Math.max(wait, HEARTBEAT_RETRY_MS) : wait));
  }

  /**
   * How long a follower may go without a send from us: the heartbeat interval; but a
   * follower that has never answered us in this term and has been silent for
   * SILENT_AFTER intervals (the leader we replaced, killed, most likely) is sent to only
   * every half of its silence so far, up to SILENT_PACE_LIMIT intervals.
   */
  private heartbeatPace(progress: Progress): number {
    const interval = this.config.heartbeatInterval;
    const silence = progress.lastSentAt - progress.lastHeardAt;
    if (progress.answeredOnce || silence < SILENT_AFTER * interval) return interval;
    return Math.min(silence / 2, SILENT_PACE_LIMIT * interval);
  }

  /**
   * The first retransmissions' wait: a few round trips of the path the sends take, so
   * that a slow network (the DST's, with delays of up to 21 ms, or a busy host) is not
   * sent everything twice; never more than retransmitInterval, what it was before it
   * was measured. Under heavy loss (no chains) half the puts wait for it (fanout.ts: the
   * first try reaches a quorum about half the time); under 10% loss a quarter of the
   * chains (27%) do, and at 4 ms their puts took 5.5-6 ms in the real simulator, enough
   * to carry advanced-4's median latency over 5 ms on some seeds. A chain's round trip
   * there is 0.5-0.7 ms (p50; p99 1.2-3.3): three smoothed ones come to about 2.2 ms.
   */
  private retransmitAfter(chains: boolean): number {
    const interval = this.config.retransmitInterval;
    const roundTrip = (chains ? this.chainRoundTrip : this.roundTrip) ?? interval;
    return Math.min(interval, Math.max(interval * RETRANSMIT_FLOOR, RETRANSMIT_ROUND_TRIPS * roundTrip));
  }
}

/**
 * Whether a send to this follower is unanswered and worth repeating soon: entries sent
 * but not acknowledged, a probe (after an election, or a rejection) that got no
 * answer, or a heartbeat that got none. A lost probe left to the heartbeat pace kept a
 * new leader under 30% loss on one follower for 500 ms, and every put waited for it. A
 * lost heartbeat left to the next one, a second later, could let the follower's
 * election timer (1.5 s at least) run out.
 */
export function awaitingAnswer(progress: Progress): boolean {
  if (progress.probing) return progress.lastSendUnanswered();
  return progress.entriesInFlight() || !progress.lastSendAcknowledged();
}

/** TCP's smoothed round trip: each new sample moves it by ROUND_TRIP_GAIN of the difference. */
function smoothed(current: number | undefined, sample: number): number | undefined {
  if (!(sample >= 0)) return current;
  return current === undefined ? sample : current + (sample - current) * ROUND_TRIP_GAIN;
}
