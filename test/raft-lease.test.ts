// The leader's lease (src/raft/lease.ts): when a leader may answer a get on its own. The
// node keeps the lease's start as answers come in (RaftNode.leaseFrom); these tests hold
// it to the rule: the newest send a quorum (the leader included) acknowledged, plus
// leaseDuration, and nothing before the leader's first commit.
import { describe, expect, test } from "bun:test";
import type { RaftNode } from "../src/raft/node.ts";
import { DEFAULT_CONFIG, type AppendReply } from "../src/raft/types.ts";
import { NodeNet } from "./helpers/node-net.ts";

const IDS = ["A", "B", "C", "D", "E"];
const LEASE = DEFAULT_CONFIG.leaseDuration;

/** A follower's successful answer to A's send at `sentAt`, its log matching A's. */
function ack(a: RaftNode, src: string, sentAt: number): AppendReply {
  const match = a.log.lastIndex;
  return { type: "appended", src, dst: "A", term: a.term, success: true, match, hintIndex: match, hintTerm: 0, sentAt };
}

/** A elected at 5000 by votes alone: its no-op's appends are still in flight. */
function electedUnanswered(): { net: NodeNet; a: RaftNode } {
  const net = new NodeNet(IDS.map((id) => ({ id })));
  const a = net.node("A");
  a.tick(5000);
  net.deliver(5000, (m) => m.type === "vote" || m.type === "voted", 50, true);
  expect(a.role).toBe("leader");
  net.take(() => true);
  return { net, a };
}

describe("leader lease", () => {
  test("a new leader reads alone only once a quorum acknowledged a send, and its first commit is made", () => {
    const { a } = electedUnanswered();
    expect(a.canReadLocally(5000)).toBe(false);
    a.step(ack(a, "B", 5000), 5001);
    // The leader and B: two of five, no quorum, no commit.
    expect(a.canReadLocally(5001)).toBe(false);
    a.step(ack(a, "C", 5000), 5002);
    expect(a.commitIndex).toBe(a.log.lastIndex);
    expect(a.canReadLocally(5002)).toBe(true);
    // The lease runs from the acknowledged send (5000), not from the answers' arrival.
    expect(a.canReadLocally(5000 + LEASE - 1)).toBe(true);
    expect(a.canReadLocally(5000 + LEASE)).toBe(false);
  });

  test("a newer answer from one follower does not move the lease; one from a quorum does", () => {
    const { a } = electedUnanswered();
    for (const id of ["B", "C", "D", "E"]) a.step(ack(a, id, 5000), 5001);
    const later = 5000 + LEASE / 2;
    a.step(ack(a, "B", later), later + 1);
    // Sorted: the leader, B at `later`, C, D, E at 5000: the third of five is still 5000.
    expect(a.canReadLocally(5000 + LEASE)).toBe(false);
    a.step(ack(a, "D", later), later + 2);
    expect(a.canReadLocally(5000 + LEASE)).toBe(true);
    expect(a.canReadLocally(later + LEASE - 1)).toBe(true);
    expect(a.canReadLocally(later + LEASE)).toBe(false);
  });

  test("a leader deposed and elected again starts without a lease", () => {
    const { net, a } = electedUnanswered();
    for (const id of ["B", "C", "D", "E"]) a.step(ack(a, id, 5000), 5001);
    expect(a.canReadLocally(5002)).toBe(true);
    // A higher term deposes A; when A wins again, the old answers count for nothing.
    a.step({ type: "append", src: "B", dst: "A", term: a.term + 1, quiet: false, prevIndex: 0, prevTerm: 0, entries: [], commit: 0, sentAt: 5003 }, 5003);
    expect(a.role).toBe("follower");
    expect(a.canReadLocally(5003)).toBe(false);
    net.take(() => true);
    let won = 5003;
    for (; a.role !== "leader" && won < 20_000; won += 50) {
      a.tick(won);
      net.deliver(won, (m) => m.type === "vote" || m.type === "voted", 50, true);
      net.take(() => true);
    }
    expect(a.role).toBe("leader");
    expect(a.canReadLocally(won)).toBe(false);
  });

  test("a cluster of one is its own quorum: it reads alone once elected", () => {
    const net = new NodeNet([{ id: "A" }]);
    const a = net.node("A");
    for (let now = 0; a.role !== "leader" && now < 20_000; now += 50) a.tick(now);
    expect(a.role).toBe("leader");
    expect(a.canReadLocally(1_000_000)).toBe(true);
  });
});
