// FollowerRanking on its own: which followers a new entry goes to first. How the leader
// uses it (majority-1 of them, spares under loss) is in test/raft-relay.test.ts and the DST.
import { describe, expect, test } from "bun:test";
import { FollowerRanking } from "../src/raft/follower-ranking.ts";
import { Progress } from "../src/raft/progress.ts";

/** Four followers in step at index 100, sent to at the given times. */
function followers(sentAt: Record<string, number>): Map<string, Progress> {
  const progress = new Map<string, Progress>();
  for (const [peer, at] of Object.entries(sentAt)) {
    const p = new Progress(101, 0);
    p.probing = false;
    p.match = 100;
    p.lastSentAt = at;
    progress.set(peer, p);
  }
  return progress;
}

describe("FollowerRanking", () => {
  test("healthy followers take turns: the one sent to least recently comes first", () => {
    const progress = followers({ a: 40, b: 10, c: 30, d: 20 });
    const ranking = new FollowerRanking(["a", "b", "c", "d"]);
    expect(ranking.rank(progress, 100)).toEqual(["b", "d", "c", "a"]);
    // The leader sends to the first two; the next put goes to the other two.
    progress.get("b")!.lastSentAt = 50;
    progress.get("d")!.lastSentAt = 50;
    expect(ranking.rank(progress, 101).slice(0, 2)).toEqual(["c", "a"]);
  });

  test("probing, then suspect, then far-behind followers go last, whenever they were sent to", () => {
    const progress = followers({ probe: 1, suspect: 2, behind: 3, healthy: 90 });
    progress.get("probe")!.probing = true;
    progress.get("suspect")!.retransmits = 1;
    progress.get("behind")!.match = 30;
    const ranking = new FollowerRanking(["probe", "suspect", "behind", "healthy"]);
    expect(ranking.rank(progress, 100)).toEqual(["healthy", "behind", "suspect", "probe"]);
    // 64 entries behind is still close enough to take puts.
    progress.get("behind")!.match = 36;
    expect(ranking.rank(progress, 100)).toEqual(["behind", "healthy", "suspect", "probe"]);
  });

  test("ties keep the last ranking's order", () => {
    const progress = followers({ a: 5, b: 5, c: 5 });
    const ranking = new FollowerRanking(["c", "a", "b"]);
    expect(ranking.rank(progress, 100)).toEqual(["c", "a", "b"]);
    progress.get("a")!.lastSentAt = 1;
    expect(ranking.rank(progress, 100)).toEqual(["a", "c", "b"]);
    progress.get("a")!.lastSentAt = 5;
    expect(ranking.rank(progress, 100)).toEqual(["a", "c", "b"]);
  });
});
