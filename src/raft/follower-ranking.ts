// Which followers a leader sends a new entry to first. It needs majority-1 of them
// (node.ts, replicate): the most responsive ones, taking turns, so that while puts flow
// every healthy follower hears from us every few puts and none needs a heartbeat of its own.
import type { Progress } from "./progress.ts";
import type { NodeId } from "./types.ts";

/** A follower further behind than this catches up with heartbeats before it takes puts. */
const CATCH_UP_LAG = 64;

/**
 * Higher is better: in step (not probing), then not suspect (a send to it timed out
 * since it last answered), then not far behind, then the one sent to least recently.
 * New entries thus take turns among the healthy followers (and none falls behind by more
 * than a few entries, which ride along in the next append it gets).
 */
function responsiveness(progress: Progress, lastIndex: number): number {
  const behind = lastIndex - progress.match;
  return (progress.probing ? -4e15 : 0) + (progress.retransmits > 0 ? -2e15 : 0) + (behind > CATCH_UP_LAG ? -1e15 : 0) - progress.lastSentAt;
}

export class FollowerRanking {
  /** The last ranking, the starting order of the next: ties keep their order. */
  private readonly ranked: NodeId[];
  private readonly keys: Float64Array;

  constructor(peers: readonly NodeId[]) {
    this.ranked = [...peers];
    this.keys = new Float64Array(peers.length);
  }

  /**
   * The followers, most responsive first (ties in their previous order), in an array
   * that the next call reuses. An insertion sort on keys computed once each:
   * Array.prototype.sort with a comparator cost ~20 µs of a put at the leader, run cold
   * after a wake-up, for four followers.
   */
  rank(progress: ReadonlyMap<NodeId, Progress>, lastIndex: number): readonly NodeId[] {
    const ranked = this.ranked;
    const keys = this.keys;
    for (let i = 0; i < ranked.length; i++) {
      const peer = ranked[i]!;
      const key = responsiveness(progress.get(peer)!, lastIndex);
      let j = i - 1;
      while (j >= 0 && keys[j]! < key) {
        keys[j + 1] = keys[j]!;
        ranked[j + 1] = ranked[j]!;
        j--;
      }
      keys[j + 1] = key;
      ranked[j + 1] = peer;
    }
    return ranked;
  }
}
