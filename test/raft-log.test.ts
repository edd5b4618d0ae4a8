// Log replication rules of the Raft paper (§5.3, §5.4.2) on hand-driven nodes.
import { describe, expect, test } from "bun:test";
import { RaftLog } from "../src/raft/log.ts";
import { quorumValue } from "../src/raft/quorum.ts";
import type { AppendReply } from "../src/raft/types.ts";
import { logTerms, NodeNet } from "./helpers/node-net.ts";

/** Makes `id` leader: its timer fires, and every vote (pre and real) is delivered. */
function elect(net: NodeNet, id: string, now: number, allow: Parameters<NodeNet["deliver"]>[1] = () => true): void {
  net.node(id).tick(now);
  net.deliver(now, (m) => (m.type === "vote" || m.type === "voted") && allow(m), 50, true);
  net.take((m) => !allow(m));
}

describe("RaftLog", () => {
  test("merge keeps matching entries and truncates only at a real conflict", () => {
    const log = new RaftLog();
    for (const term of [1, 1, 2, 2]) log.append({ term });
    // A stale, shorter append that matches must not truncate the tail.
    expect(log.merge(1, [{ term: 1 }])).toBe(2);
    expect(log.lastIndex).toBe(4);
    // A conflicting entry at 3 drops 3 and everything after it.
    expect(log.merge(2, [{ term: 3 }])).toBe(3);
    expect([1, 2, 3].map((i) => log.termAt(i))).toEqual([1, 1, 3]);
    expect(log.lastIndex).toBe(3);
  });

  test("up-to-date comparison is by last term, then length (§5.4.1)", () => {
    const log = new RaftLog();
    for (const term of [1, 2, 2]) log.append({ term });
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  test("quorumValue is the majority-th largest value", () => {
    const scratch = new Float64Array(5);
    expect(quorumValue(Float64Array.from([5, 1, 3, 2, 4]), scratch)).toBe(3);
    expect(quorumValue(Float64Array.from([7, 7, 0]), new Float64Array(3))).toBe(7);
    expect(quorumValue(Float64Array.from([9, 0, 0, 0, 9]), scratch)).toBe(0);
  });
});

describe("conflict repair", () => {
  test("a divergent follower log is repaired with one hint per term, not one step per entry", () => {
    // The leader-to-be has terms [1,1,3,3,3,3,3,3]; the follower diverged with five term-2 entries.
    const net = new NodeNet([
      { id: "A", term: 3, logTerms: [1, 1, 3, 3, 3, 3, 3, 3] },
      { id: "B", term: 3, logTerms: [1, 1, 3, 3, 3, 3, 3, 3] },
      { id: "C", term: 2, logTerms: [1, 1, 2, 2, 2, 2, 2] },
    ]);
    elect(net, "A", 2000);
    expect(net.node("A").role).toBe("leader");

    let rejections = 0;
    net.deliver(2000, (m) => {
      if (m.type === "appended" && m.src === "C" && !(m as AppendReply).success) rejections++;
      return true;
    });
    // One rejection for the missing tail, one that skips all of term 2: two round trips.
    expect(rejections).toBeLessThanOrEqual(2);
    expect(logTerms(net.node("C"))).toEqual(logTerms(net.node("A")));
    expect(logTerms(net.node("C"))).toEqual([1, 1, 3, 3, 3, 3, 3, 3, 4]);
    expect(net.node("C").commitIndex).toBe(9);
    expect(net.node("A").commitIndex).toBe(9);
  });

  test("a follower with a longer stale tail has it replaced", () => {
    const net = new NodeNet([
      { id: "A", term: 5, logTerms: [1, 4] },
      { id: "B", term: 5, logTerms: [1, 4] },
      { id: "C", term: 3, logTerms: [1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3] },
    ]);
    elect(net, "A", 2000);
    net.deliver(2000);
    expect(logTerms(net.node("C"))).toEqual([1, 4, 6]);
  });
});

describe("§5.4.2: a leader commits an entry of an earlier term only through one of its own", () => {
  // Figure 8 of the Raft paper: S1 leads in term 4 holding an entry of term 2 at index 2.
  // It gets that entry onto a majority (S1, S2, S3) but must not count it as committed:
  // S5 (holding term 3 at index 2) could still win an election and overwrite it.
  function figure8(): NodeNet {
    return new NodeNet(
      [
        { id: "S1", term: 3, logTerms: [1, 2] },
        { id: "S2", term: 3, logTerms: [1, 2] },
        { id: "S3", term: 3, logTerms: [1] },
        { id: "S4", term: 3, logTerms: [1] },
        { id: "S5", term: 3, logTerms: [1, 3] },
      ],
      { maxAppendBytes: 1 }, // one entry per append, so index 2 can arrive without the no-op at 3
    );
  }

  test("the old-term entry on a majority is not committed by counting", () => {
    const net = figure8();
    elect(net, "S1", 2000, (m) => m.src !== "S5" && m.dst !== "S5");
    const s1 = net.node("S1");
    expect(s1.role).toBe("leader");
    expect(s1.term).toBe(4);
    // Only S3 hears from S1, and only the old entry reaches it (the no-op append is lost).
    for (let step = 0; step < 10; step++) {
      net.deliver(2000, (m) => (m.src === "S1" && m.dst === "S3") || (m.src === "S3" && m.dst === "S1"), 1);
      if (s1.matchOf("S3") >= 2) break;
    }
    net.take((m) => m.dst === "S3" || m.src === "S3");
    expect(logTerms(net.node("S3"))).toEqual([1, 2]);
    expect(s1.matchOf("S3")).toBe(2);
    // S1, S2 and S3 hold index 2 (term 2): a majority. It still must not be committed.
    net.take(() => true);
    expect(s1.commitIndex).toBe(0);
    expect(net.applied.get("S1")).toEqual([]);

    // S1 crashes; S5 wins with S3's and S4's votes and overwrites index 2 everywhere it reaches.
    net.nodes.delete("S1");
    // Its first pre-vote only teaches it term 4 (S3 and S4 moved on with S1); the next one wins.
    elect(net, "S5", 9000, (m) => m.dst !== "S2" && m.src !== "S2");
    elect(net, "S5", 14000, (m) => m.dst !== "S2" && m.src !== "S2");
    expect(net.node("S5").role).toBe("leader");
    net.deliver(14000, (m) => m.dst !== "S2" && m.src !== "S2");
    expect(logTerms(net.node("S3"))).toEqual([1, 3, 5]);
  });

  test("once an entry of the leader's own term reaches a majority, both commit", () => {
    const net = figure8();
    elect(net, "S1", 2000, (m) => m.src !== "S5" && m.dst !== "S5");
    net.deliver(2000, (m) => m.dst !== "S5" && m.src !== "S5");
    const s1 = net.node("S1");
    expect(s1.commitIndex).toBe(3);
    expect(net.applied.get("S1")).toEqual([1, 2, 3]);
  });
});
