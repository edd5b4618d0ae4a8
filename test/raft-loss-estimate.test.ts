// The leader's loss estimate decides between relay chains (cheap) and direct sends to
// spare followers (sure under heavy loss). Followers cut off by a partition must not
// count as packet loss once their silence is long: that turned chains off under light
// loss whenever two followers were cut off (advanced-1 and -4 paid ~22 messages a run).
// Seed 14: 87 of 366 appends went direct; 207 of 418 counting every silence as loss.
import { describe, expect, test } from "bun:test";
import { VirtualCluster } from "../src/dst/cluster.ts";
import { CLASSIC_ELECTIONS, type AppendRequest } from "../src/raft/types.ts";
import type { OutboundMessage } from "../src/wire/messages.ts";

const CLIENT = "0015";

interface Counts {
  chained: number;
  direct: number;
  answered: number;
}

/**
 * For each seed, a 5-replica cluster with a leader by 4 s; then `loss` on every replica
 * link, `cutOff` followers hearing and saying nothing, and `puts` puts to the leader `gap`
 * ms apart (and a second to finish). Counts, over all seeds, the leader's appends carrying
 * entries to the followers not cut off, along a chain or directly, and the puts answered.
 */
function putsThroughLoss(seeds: readonly number[], loss: number, cutOff: number, puts: number, gap: number): Counts {
  const counts = { chained: 0, direct: 0, answered: 0 };
  for (const seed of seeds) {
    const cluster = new VirtualCluster({ size: 5, seed, config: CLASSIC_ELECTIONS });
    cluster.runUntil(4000);
    const leader = cluster.leaders()[0]!.id;
    const cut = new Set(cluster.ids.filter((id) => id !== leader).slice(0, cutOff));
    cluster.link = (from, to, _message, random) => {
      if (Number.parseInt(from, 16) >= 16 || Number.parseInt(to, 16) >= 16) return 1;
      if (cut.has(from) || cut.has(to)) return undefined;
      return random() < loss ? undefined : 1;
    };
    cluster.onReply = (reply) => {
      if (reply.type === "ok") counts.answered++;
    };
    cluster.onSend = (from: string, message: OutboundMessage) => {
      if (from !== leader || message.type !== "append" || cut.has(message.dst)) return;
      const append = message as AppendRequest;
      if (append.entries.length === 0 || append.quiet) return;
      if (append.relayTo !== undefined) counts.chained++;
      else counts.direct++;
    };
    for (let i = 0; i < puts; i++) {
      cluster.clientSend({ type: "put", src: CLIENT, dst: leader, MID: `p${i}`, key: `k${i % 7}`, value: `v${i}` });
      cluster.runUntil(4000 + gap * (i + 1));
    }
    cluster.runUntil(cluster.now + 1000);
    expect(cluster.leaders()[0]?.id, `seed ${seed}`).toBe(leader);
  }
  return counts;
}

const SEEDS_1_TO_10 = Array.from({ length: 10 }, (_, i) => i + 1);

describe("loss estimate", () => {
  test("two cut-off followers do not turn relay chains off under 15% loss", () => {
    // A put every 50 ms for 10 s.
    const { chained, direct } = putsThroughLoss([14], 0.15, 2, 200, 50);
    expect(chained + direct).toBeGreaterThan(200);
    expect(direct, `seed 14: ${chained} chained, ${direct} direct`).toBeLessThan(0.4 * (chained + direct));
  });

  test("a partition's first seconds do not turn relay chains off under 10% loss", () => {
    // advanced-4's partitions: 3 s with two followers cut off, a put every 75 ms. Counted
    // as the sends went unanswered, the cut-off followers' first five losses each turned
    // chains off within a second, and the leader sent to spare followers directly: 57 of
    // 565 appends over these ten seeds went direct then, 12 of 546 now.
    const { chained, direct } = putsThroughLoss(SEEDS_1_TO_10, 0.1, 2, 40, 75);
    expect(chained + direct).toBeGreaterThan(400);
    expect(direct, `seeds 1-10: ${chained} chained, ${direct} direct`).toBeLessThan(0.05 * (chained + direct));
  });

  test("under 30% loss on every link the leader sends directly, and its puts commit", () => {
    // Losses held back until a silence ends must not hide heavy loss: chains fail twice
    // in three tries here. (This passes without the rule that losses count at once while
    // no follower answers; advanced-3 seed 7463, in sim-virtual.test.ts, is what needs
    // it.)
    const { chained, direct, answered } = putsThroughLoss(SEEDS_1_TO_10, 0.3, 0, 60, 90);
    expect(answered, "seeds 1-10").toBe(10 * 60);
    expect(direct, `seeds 1-10: ${chained} chained, ${direct} direct`).toBeGreaterThan(2 * chained);
  });
});
