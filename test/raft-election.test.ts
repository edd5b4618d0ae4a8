// Elections on the virtual-time cluster: one leader, split votes, pre-vote, check-quorum.
import { describe, expect, test } from "bun:test";
import { VirtualCluster, type LinkPolicy } from "../src/dst/cluster.ts";
import type { RaftNode } from "../src/raft/node.ts";
import { CLASSIC_ELECTIONS, DEFAULT_CONFIG, type VoteReply } from "../src/raft/types.ts";
import { logTerms, NodeNet } from "./helpers/node-net.ts";

/** Drops every delivery that crosses between `isolated` and the rest. */
function isolate(isolated: Set<string>): LinkPolicy {
  return (from, to) => (isolated.has(from) !== isolated.has(to) && !isClient(from) && !isClient(to) ? undefined : 1);
}

function isClient(id: string): boolean {
  return Number.parseInt(id, 16) >= 16;
}

/** Five nodes; B follows A at 1000, then hears nothing more and campaigns at `start`. */
function campaignAfterSilence(): { net: NodeNet; b: RaftNode; start: number } {
  const net = new NodeNet(["A", "B", "C", "D", "E"].map((id) => ({ id })));
  const b = net.node("B");
  b.step({ type: "append", src: "A", dst: "B", term: 1, quiet: false, prevIndex: 0, prevTerm: 0, entries: [], commit: 0, sentAt: 1000 }, 1000);
  net.take(() => true);
  const start = b.nextDeadline();
  b.tick(start);
  return { net, b, start };
}

/** A granted (pre-)vote from `src` to B. */
function grant(src: string, term: number, pre: boolean): VoteReply {
  return { type: "voted", src, dst: "B", term, pre, granted: true, commit: 0, told: 0, ackTerm: 0, acked: 0 };
}

describe("leader election", () => {
  for (const size of [3, 5, 7]) {
    test(`${size} replicas elect exactly one leader, and send nothing early`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        const cluster = new VirtualCluster({ size, seed, config: CLASSIC_ELECTIONS });
        let firstSend = Number.POSITIVE_INFINITY;
        cluster.onSend = () => (firstSend = Math.min(firstSend, cluster.now));
        cluster.runUntil(5000);
        const leaders = cluster.leaders();
        expect(leaders.length, `seed ${seed}`).toBe(1);
        for (const replica of cluster.live()) expect(replica.leader, `seed ${seed}`).toBe(leaders[0]!.id);
        expect(firstSend, `seed ${seed}`).toBeGreaterThanOrEqual(DEFAULT_CONFIG.firstElectionMin);
      }
    });
  }

  test("a split vote is resolved by a later election in a higher term", () => {
    // Four nodes whose term-1 leader is gone; A and B stand at the same time and each
    // gets one vote: 2 against 2.
    const net = new NodeNet(["A", "B", "C", "D"].map((id) => ({ id, term: 1 })));
    const [a, b] = [net.node("A"), net.node("B")];
    a.tick(5000);
    b.tick(5000);
    net.deliver(5000, (m) => m.type === "vote" && m.pre, 1, true); // pre-votes reach everyone
    net.deliver(5000, (m) => m.type === "voted", 1, true);
    expect(a.role).toBe("candidate");
    expect(b.role).toBe("candidate");
    // C hears A first, D hears B first: each grants the first and refuses the second.
    const order = (m: { src: string; dst: string }) => (m.dst === "C" ? (m.src === "A" ? 0 : 1) : m.src === "B" ? 0 : 1);
    const votes = net.take((m) => m.type === "vote").sort((x, y) => order(x) - order(y));
    for (const vote of votes) net.node(vote.dst).step(vote, 5001);
    net.deliver(5001, (m) => m.type === "voted" && (m.dst === "A" || m.dst === "B"));
    expect(a.role).toBe("candidate");
    expect(b.role).toBe("candidate");
    expect(a.term).toBe(2);
    // The next timeout (randomised, so A and B rarely collide again) decides it.
    a.tick(9000);
    net.deliver(9000);
    expect(a.role).toBe("leader");
    expect(a.term).toBe(3);
    expect(b.role).toBe("follower");
    expect(logTerms(b)).toEqual([3]);
  });
});

describe("pre-vote and check-quorum", () => {
  test("a replica cut off for a long time rejoins without deposing the leader", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const cluster = new VirtualCluster({ size: 5, seed, config: CLASSIC_ELECTIONS });
      cluster.runUntil(4000);
      const leader = cluster.leaders()[0]!;
      const termBefore = leader.raft.term;
      const loner = cluster.ids.find((id) => id !== leader.id)!;
      cluster.link = isolate(new Set([loner]));
      cluster.runUntil(20_000); // many election timeouts for the loner
      // Pre-vote never succeeded, so the loner never raised its term.
      expect(cluster.replica(loner)!.raft.term, `seed ${seed}`).toBe(termBefore);
      cluster.link = () => 1;
      cluster.runUntil(25_000);
      expect(cluster.leaders().map((r) => r.id), `seed ${seed}`).toEqual([leader.id]);
      expect(leader.raft.term, `seed ${seed}`).toBe(termBefore);
      expect(cluster.replica(loner)!.leader, `seed ${seed}`).toBe(leader.id);
    }
  });

  test("a leader cut off from the majority steps down, and the majority elects another", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const cluster = new VirtualCluster({ size: 5, seed, config: CLASSIC_ELECTIONS });
      cluster.runUntil(4000);
      const old = cluster.leaders()[0]!;
      cluster.link = isolate(new Set([old.id]));
      const cutAt = cluster.now;
      cluster.runUntil(cutAt + DEFAULT_CONFIG.electionTimeoutMin + DEFAULT_CONFIG.heartbeatInterval + 1);
      expect(old.raft.role, `seed ${seed}`).not.toBe("leader");
      cluster.runUntil(cutAt + 10_000);
      const leaders = cluster.leaders();
      expect(leaders.length, `seed ${seed}`).toBe(1);
      expect(leaders[0]!.id, `seed ${seed}`).not.toBe(old.id);
    }
  });

  test("a follower that grants a pre-vote puts off its own campaign, once until it hears a leader", () => {
    const net = new NodeNet([{ id: "A" }, { id: "B" }, { id: "C" }]);
    const b = net.node("B");
    const min = DEFAULT_CONFIG.electionTimeoutMin;
    // No leader has ever been heard: B's first timer (A is the appointed leader) is due an
    // election timeout after firstElectionMax at the latest.
    expect(b.nextDeadline()).toBeLessThanOrEqual(DEFAULT_CONFIG.firstElectionMax + DEFAULT_CONFIG.electionTimeoutMax);
    const preVote = (at: number) => b.step({ type: "vote", src: "C", dst: "B", term: 2, pre: true, lastIndex: 0, lastTerm: 0 }, at);
    preVote(400);
    expect(net.take(() => true)).toMatchObject([{ type: "voted", pre: true, granted: true }]);
    expect(b.nextDeadline()).toBeGreaterThanOrEqual(400 + min);
    // A second campaigner (or the same one again) does not put it off any further: a
    // replica that can send but not hear would otherwise hold every election off.
    const deadline = b.nextDeadline();
    preVote(deadline - 10);
    expect(net.take(() => true)).toMatchObject([{ type: "voted", pre: true, granted: true }]);
    expect(b.nextDeadline()).toBe(deadline);
    // Hearing from a leader resets that: the next campaigner is waited for again.
    b.step({ type: "append", src: "A", dst: "B", term: 1, quiet: false, prevIndex: 0, prevTerm: 0, entries: [], commit: 0, sentAt: deadline }, deadline);
    net.take(() => true);
    const later = deadline + min + 1; // out of A's lease
    b.step({ type: "vote", src: "C", dst: "B", term: 3, pre: true, lastIndex: 0, lastTerm: 0 }, later);
    expect(net.take(() => true)).toMatchObject([{ type: "voted", pre: true, granted: true }]);
    expect(b.nextDeadline()).toBeGreaterThanOrEqual(later + min);
  });

  test("the leader whose silence started a campaign is asked once per round; only the others are asked again", () => {
    // B follows A, then hears nothing more: its timer runs out and it campaigns.
    const { net, b, start } = campaignAfterSilence();
    const asked = () => net.take((m) => m.type === "vote").map((m) => m.dst).sort();
    expect(asked()).toEqual(["A", "C", "D", "E"]);
    // Nobody answers: the retry goes to the others, not to the silent leader.
    b.tick(b.nextDeadline());
    expect(asked()).toEqual(["C", "D", "E"]);
    // C and D grant: B stands for election, and the new round asks A once again.
    for (const id of ["C", "D"]) b.step(grant(id, 2, true), start + 70);
    expect(b.role).toBe("candidate");
    expect(asked()).toEqual(["A", "C", "D", "E"]);
    b.tick(b.nextDeadline());
    expect(asked()).toEqual(["C", "D", "E"]);
  });

  test("a candidate keeps asking the peers that granted its pre-vote, and only them, after the usual three tries", () => {
    const { net, b } = campaignAfterSilence();
    const asked = () => net.take((m) => m.type === "vote").map((m) => m.dst).sort();
    expect(asked()).toEqual(["A", "C", "D", "E"]);
    // C and D grant the pre-vote; E's grant comes after B has stood (it still counts as
    // reachable). A, the silent leader, and nobody else grants.
    const preGrant = (id: string, at: number) => b.step(grant(id, 2, true), at);
    const at = b.nextDeadline() - 1;
    preGrant("C", at);
    preGrant("D", at);
    expect(b.role).toBe("candidate");
    preGrant("E", at);
    expect(asked()).toEqual(["A", "C", "D", "E"]);
    // Every vote (or its answer) is lost. After the usual three tries, only the peers that
    // granted the pre-vote are asked, up to eight times in all; the silent leader is not.
    const rounds: string[][] = [];
    for (let i = 0; i < 12 && Number.isFinite(b.nextDeadline()) && b.role === "candidate"; i++) {
      const next = b.nextDeadline();
      if (next > at + 1000) break; // the election timer, not a retry
      b.tick(next);
      rounds.push(asked());
    }
    expect(rounds).toEqual([["C", "D", "E"], ["C", "D", "E"], ["C", "D", "E"], ["C", "D", "E"], ["C", "D", "E"], ["C", "D", "E"], ["C", "D", "E"]]);
    // D's vote gets through at last, but the eight tries are spent: B waits for its
    // election timer.
    b.step(grant("D", 2, false), at + 500);
    expect(b.role).toBe("candidate");
    expect(b.nextDeadline()).toBeGreaterThan(at + 1000);
  });

  test("a candidate without pre-vote grants to lean on stops after three tries", () => {
    // A partition's minority side: C grants, the other three never answer. The real-vote
    // phase never starts, and the pre-vote phase asks three times only.
    const { net, b, start } = campaignAfterSilence();
    b.step(grant("C", 2, true), start + 1);
    let sends = net.take((m) => m.type === "vote").length;
    while (b.nextDeadline() < start + 1000) {
      b.tick(b.nextDeadline());
      sends += net.take((m) => m.type === "vote").length;
    }
    expect(b.role).toBe("precandidate");
    expect(sends).toBe(4 + 2 + 2); // all four, then D and E twice (A is the silent leader)
  });

  test("a new cluster's first leader is appointed: the lowest ID leads term 1 without a vote", () => {
    const net = new NodeNet(["C", "A", "E", "B", "D"].map((id) => ({ id })));
    const a = net.node("A");
    expect(a.nextDeadline()).toBe(DEFAULT_CONFIG.firstElectionMax);
    // The others give it an election timeout more before they would campaign themselves.
    for (const id of ["B", "C", "D", "E"]) expect(net.node(id).nextDeadline()).toBeGreaterThanOrEqual(DEFAULT_CONFIG.firstElectionMax + DEFAULT_CONFIG.electionTimeoutMin);
    a.tick(a.nextDeadline());
    expect([a.role, a.term, a.votedFor]).toEqual(["leader", 1, "A"]);
    // Its no-op goes out along relay chains at once; not one vote message was sent.
    expect(net.inFlight.every((m) => m.type === "append")).toBe(true);
    net.deliver(DEFAULT_CONFIG.firstElectionMax);
    expect(a.commitIndex).toBe(1);
    for (const id of ["B", "C", "D", "E"]) expect([net.node(id).leader, net.node(id).term, logTerms(net.node(id))]).toEqual(["A", 1, [1]]);
  });

  test("if the appointed leader never shows up, the others campaign from term 2, with a pre-vote, and grant term 1 to nobody", () => {
    const net = new NodeNet(["A", "B", "C", "D", "E"].map((id) => ({ id })));
    const [b, c] = [net.node("B"), net.node("C")];
    // Term 1's vote is A's from the start: a forged term-1 candidate gets nothing.
    c.step({ type: "vote", src: "B", dst: "C", term: 1, pre: false, lastIndex: 0, lastTerm: 0 }, 100);
    expect(net.take(() => true)).toMatchObject([{ type: "voted", term: 1, granted: false }]);
    expect(c.votedFor).toBe("A");
    // A is dead: B's timer runs out, and it asks for pre-votes for term 2, as any
    // campaign after a leader does (A may be leading the others).
    const start = b.nextDeadline();
    b.tick(start);
    expect([b.role, b.term, b.votedFor]).toEqual(["precandidate", 1, "A"]);
    const asked = net.inFlight.filter((m) => m.type === "vote");
    expect(asked.map((m) => m.dst).sort()).toEqual(["A", "C", "D", "E"]);
    expect(asked.every((m) => m.type === "vote" && m.pre && m.term === 2)).toBe(true);
    net.deliver(start, (m) => m.dst !== "A" && m.src !== "A");
    expect([b.role, b.term]).toEqual(["leader", 2]);
    expect(logTerms(c)).toEqual([2]);
  });

  test("a follower that hears from its leader ignores a candidate with a higher term", () => {
    const net = new NodeNet([{ id: "A" }, { id: "B" }, { id: "C" }]);
    net.node("A").tick(5000);
    net.deliver(5000);
    expect(net.node("A").role).toBe("leader");
    net.node("B").step({ type: "vote", src: "C", dst: "B", term: 7, pre: false, lastIndex: 9, lastTerm: 9 }, 5100);
    expect(net.take(() => true)).toEqual([]);
    expect(net.node("B").term).toBe(1);
    expect(net.node("B").votedFor).toBe("A");
  });
});
