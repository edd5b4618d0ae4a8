// AnswerKnowledge on its own: what a replica concludes, as it takes over, about which
// puts an earlier leader already answered (docs/protocol.md, "Who answers a put"). The
// cluster-level behaviour is in test/replica-*.test.ts and the DST; these pin each source
// of that knowledge, so that a change to one shows here by name.
import { describe, expect, test } from "bun:test";
import { AnswerKnowledge } from "../src/raft/answer-knowledge.ts";
import { RaftLog } from "../src/raft/log.ts";
import type { VoteReply } from "../src/raft/types.ts";

const ME = "0000";
const PEERS = ["0001", "0002", "0003", "0004"];
const OLD_LEADER = "0001";

/** Us after following OLD_LEADER through term 2: five puts of that term in our log. */
function follower(): { knowledge: AnswerKnowledge; log: RaftLog } {
  const log = new RaftLog();
  for (let i = 1; i <= 5; i++) log.append({ term: 2, key: `k${i}`, value: `v${i}` });
  const knowledge = new AnswerKnowledge(ME, PEERS, log);
  knowledge.noteLeader(2, OLD_LEADER, 0);
  return { knowledge, log };
}

function voted(src: string, fields: Partial<Pick<VoteReply, "commit" | "told" | "ackTerm" | "acked">>): VoteReply {
  return { type: "voted", src, dst: ME, term: 3, pre: false, granted: true, commit: 0, told: 0, ackTerm: 0, acked: 0, ...fields };
}

describe("AnswerKnowledge", () => {
  test("counts the old leader's answers as it would have: a majority of its term's acks", () => {
    const { knowledge } = follower();
    knowledge.noteAcked(2, 4);
    knowledge.noteVoteReply(voted("0002", { ackTerm: 2, acked: 3 }), undefined);
    knowledge.noteVoteReply(voted("0003", { ackTerm: 2, acked: 5 }), undefined);
    // Acks of another term say nothing about this leader's answers.
    knowledge.noteVoteReply(voted("0004", { ackTerm: 1, acked: 5 }), undefined);
    // The old leader holds 5, we acked 4, 0003 5, 0002 3, 0004 nothing of term 2: three reach 4.
    expect(knowledge.answeredBefore(0)).toBe(4);
    // What we know committed, and what a voter knew committed, count as they are.
    expect(knowledge.answeredBefore(5)).toBe(5);
    knowledge.noteVoteReply(voted("0002", { commit: 5 }), undefined);
    expect(knowledge.answeredBefore(0)).toBe(5);
  });

  test("takes the entry it relayed as answered, until the chain's end says it never got it", () => {
    const { knowledge } = follower();
    knowledge.noteRelayed("0002", 2, 5, 100);
    expect(knowledge.answeredBefore(0)).toBe(5);
    // An answer from a campaign round that began before the relay proves nothing...
    knowledge.noteVoteReply(voted("0002", { commit: 3 }), 50);
    expect(knowledge.answeredBefore(0)).toBe(5);
    // ...nor one from another voter; the chain's end, answering a later round, does.
    knowledge.noteVoteReply(voted("0003", { commit: 3 }), 150);
    expect(knowledge.answeredBefore(0)).toBe(5);
    knowledge.noteVoteReply(voted("0002", { commit: 3 }), 150);
    expect(knowledge.answeredBefore(0)).toBe(3);
  });

  test("withdraws the relay guess when the leader resends the entry directly", () => {
    const { knowledge } = follower();
    knowledge.noteRelayed("0002", 2, 5, 100);
    knowledge.noteResentDirectly(5, 5); // a heartbeat past it: no sign of a lost chain
    expect(knowledge.answeredBefore(0)).toBe(5);
    knowledge.noteResentDirectly(4, 5);
    expect(knowledge.answeredBefore(0)).toBe(0);
  });

  test("a relayed entry no longer in the log as it was is no guess at all", () => {
    const { knowledge, log } = follower();
    knowledge.noteRelayed("0002", 2, 5, 100);
    log.merge(4, [{ term: 3, key: "k5", value: "other" }]); // a later leader's entry in its place
    expect(knowledge.answeredBefore(0)).toBe(0);
  });

  test("remembers the leaders of the last eight terms, and the highest commit any told", () => {
    const { knowledge } = follower();
    for (let term = 3; term <= 10; term++) knowledge.noteLeader(term, PEERS[term % 4]!, term);
    expect(knowledge.leaderOf(2)).toBeUndefined();
    expect(knowledge.leaderOf(3)).toBe(PEERS[3]);
    expect(knowledge.leaderOf(10)).toBe(PEERS[2]);
    expect(knowledge.leaderToldCommit).toBe(10);
    knowledge.noteVoteReply(voted("0002", { told: 12 }), undefined);
    expect(knowledge.toldCommit()).toBe(12);
    expect(knowledge.leaderToldCommit).toBe(10);
  });
});
