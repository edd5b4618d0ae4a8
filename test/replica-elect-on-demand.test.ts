// Elections on demand (RaftConfig.electOnDemand, the product's default): a leader no client
// needs falls quiet, and an election timer that runs out starts a campaign only when clients
// want a leader or some entry may still need one. Elections as such are tested with classic
// timers in raft-election.test.ts.
import { describe, expect, test } from "bun:test";
import { VirtualCluster } from "../src/dst/cluster.ts";
import { DEFAULT_CONFIG } from "../src/raft/types.ts";
import type { ClientReply, ClientRequest, OutboundMessage } from "../src/wire/messages.ts";

const CLIENT = "0015";
const SEEDS = 10;

function put(dst: string, MID: string): ClientRequest {
  return { type: "put", src: CLIENT, dst, MID, key: "k", value: MID };
}

function get(dst: string, MID: string): ClientRequest {
  return { type: "get", src: CLIENT, dst, MID, key: "k" };
}

/**
 * A new cluster, which elects a leader at once (there never was one), and a first put to
 * it; returns once the put is answered, with the replies and every peer message sent.
 */
function electedWithFirstPut(seed: number) {
  const cluster = new VirtualCluster({ size: 5, seed });
  const replies: ClientReply[] = [];
  const sent: { at: number; message: OutboundMessage }[] = [];
  cluster.onReply = (reply) => replies.push(reply);
  cluster.onSend = (_from, message) => sent.push({ at: cluster.now, message });
  cluster.runUntil(DEFAULT_CONFIG.firstElectionMax + 100);
  const leaders = cluster.leaders();
  expect(leaders.length, `seed ${seed}: elected before any client`).toBe(1);
  const leader = leaders[0]!.id;
  cluster.clientSend(put(leader, "first"));
  cluster.runUntil(cluster.now + 100);
  expect(replies.map((r) => [r.MID, r.type]), `seed ${seed}`).toEqual([["first", "ok"]]);
  const campaignsAfter = (at: number) => sent.filter((s) => s.at >= at && s.message.type === "vote").length;
  return { cluster, replies, sent, leader, campaignsAfter };
}

describe("elections on demand", () => {
  test("a leader no client has reached for a heartbeat interval falls quiet, and keeps the lead", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { cluster, replies, sent, leader } = electedWithFirstPut(seed);
      const term = cluster.replica(leader)!.raft.term;
      const quietFrom = cluster.now + 3 * DEFAULT_CONFIG.heartbeatInterval;
      cluster.runUntil(30_000);
      // The commit is told within a heartbeat or two; after that, nothing at all.
      expect(sent.filter((s) => s.at >= quietFrom).length, `seed ${seed}: sends while quiet`).toBe(0);
      expect(cluster.leaders().map((r) => [r.id, r.raft.term]), `seed ${seed}: no step-down`).toEqual([[leader, term]]);
      // A put and a get wake it: answered without an election (the get after a lease renewal).
      cluster.clientSend(put(leader, "p2"));
      cluster.runUntil(30_100);
      cluster.clientSend(get(leader, "g1"));
      cluster.runUntil(30_200);
      expect(replies.map((r) => [r.MID, r.type]), `seed ${seed}`).toEqual([["first", "ok"], ["p2", "ok"], ["g1", "ok"]]);
      expect(replies[2]!.type === "ok" && replies[2]!.value, `seed ${seed}`).toBe("p2");
      expect(cluster.replica(leader)!.raft.term, `seed ${seed}`).toBe(term);
      // Awake again: check-quorum counts from the wake-up, so with its followers gone it steps down.
      for (const id of cluster.ids) if (id !== leader) cluster.crash(id);
      cluster.clientSend(put(leader, "p3"));
      cluster.runUntil(30_200 + 2 * DEFAULT_CONFIG.electionTimeoutMin);
      expect(cluster.replica(leader)!.raft.role, `seed ${seed}`).not.toBe("leader");
    }
  });

  test("a leader ticked long after its deadline and found quiet is not due again at once", () => {
    // The binary's timer fires as soon as nextDeadline() has passed: a deadline left in the
    // past by a tick that did nothing would fire again at once, forever (the DST ran 6.4
    // times its events this way before the fix).
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { cluster, leader } = electedWithFirstPut(seed);
      const replica = cluster.replica(leader)!;
      expect(replica.nextDeadline(), `seed ${seed}`).toBeLessThan(20_000);
      replica.tick(20_000);
      expect(replica.takeOutbox(), `seed ${seed}: quiet, nothing sent`).toEqual([]);
      expect(replica.nextDeadline(), `seed ${seed}`).toBeGreaterThan(20_000);
    }
  });

  test("a new cluster's first leader falls quiet without telling its no-op's commit, and nobody campaigns", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const cluster = new VirtualCluster({ size: 5, seed });
      const sent: { at: number; message: OutboundMessage }[] = [];
      cluster.onSend = (_from, message) => sent.push({ at: cluster.now, message });
      cluster.runUntil(20_000);
      const leaders = cluster.leaders();
      expect(leaders.map((r) => r.raft.term), `seed ${seed}`).toEqual([1]);
      // The election, the no-op and its answers: nothing else, ever. Followers hold only
      // the no-op beyond what they were told committed: no put waits on it, so none needs
      // a leader, and the leader need not tell them (no quiet append with the commit).
      const electedBy = DEFAULT_CONFIG.firstElectionMax + 100;
      expect(sent.filter((s) => s.at > electedBy).map((s) => s.message.type), `seed ${seed}`).toEqual([]);
      // Every log is empty at term 1, so the no-op needs no probe: it goes along two relay
      // chains (leader, follower, follower, leader), six messages, and reaches all four.
      const appends = sent.filter((s) => s.message.type === "append" || s.message.type === "appended");
      const kinds = appends.map(({ message: m }) => (m.type === "append" ? (m.relayTo !== undefined ? "chain" : m.relay !== undefined ? "relayed" : "direct") : "appended"));
      expect(kinds.sort(), `seed ${seed}`).toEqual(["appended", "appended", "chain", "chain", "relayed", "relayed"]);
      for (const replica of cluster.live()) expect(replica.raft.log.lastIndex, `seed ${seed}: ${replica.id} holds the no-op`).toBe(1);
      // A client wakes the quiet leader; its put and a get are answered without an election.
      const replies: ClientReply[] = [];
      cluster.onReply = (reply) => replies.push(reply);
      cluster.clientSend(put(leaders[0]!.id, "p1"));
      cluster.runUntil(20_100);
      cluster.clientSend(get(leaders[0]!.id, "g1"));
      cluster.runUntil(20_200);
      expect(replies.map((r) => [r.MID, r.type, r.type === "ok" ? r.value : undefined]), `seed ${seed}`).toEqual([["p1", "ok", undefined], ["g1", "ok", "p1"]]);
      expect(cluster.leaders().map((r) => r.raft.term), `seed ${seed}`).toEqual([1]);
    }
  });

  test("a first leader dead with only its no-op untold is replaced only once a client asks", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const cluster = new VirtualCluster({ size: 5, seed });
      const sent: { at: number; message: OutboundMessage }[] = [];
      cluster.onSend = (_from, message) => sent.push({ at: cluster.now, message });
      cluster.runUntil(DEFAULT_CONFIG.firstElectionMax + 100);
      const leader = cluster.leaders()[0]!.id;
      cluster.crash(leader);
      cluster.runUntil(20_000);
      const campaigns = sent.filter((s) => s.at > DEFAULT_CONFIG.firstElectionMax + 100 && s.message.type === "vote").length;
      expect(campaigns, `seed ${seed}: timers ran out, nobody wanted a leader`).toBe(0);
      const replies: ClientReply[] = [];
      cluster.onReply = (reply) => replies.push(reply);
      const follower = cluster.ids.find((id) => id !== leader)!;
      cluster.clientSend(put(follower, "p1"));
      cluster.runUntil(20_500);
      expect(replies.map((r) => [r.MID, r.type]), `seed ${seed}`).toEqual([["p1", "ok"]]);
      expect(cluster.leaders().length, `seed ${seed}`).toBe(1);
    }
  });

  test("a leader dead after telling every commit is replaced only once a client asks", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { cluster, replies, campaignsAfter, leader } = electedWithFirstPut(seed);
      // Heartbeats tell every follower the commit; then the leader dies.
      cluster.runUntil(8000);
      cluster.crash(leader);
      cluster.runUntil(20_000);
      expect(campaignsAfter(8000), `seed ${seed}: timers ran out, nobody wanted a leader`).toBe(0);
      const follower = cluster.ids.find((id) => id !== leader)!;
      cluster.clientSend(put(follower, "p2"));
      cluster.runUntil(20_200);
      expect(replies.map((r) => [r.MID, r.type]), `seed ${seed}`).toEqual([["first", "ok"], ["p2", "ok"]]);
      expect(cluster.leaders().length, `seed ${seed}`).toBe(1);
    }
  });

  test("a leader dead before telling a commit is replaced with no client asking", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { cluster, replies, leader } = electedWithFirstPut(seed);
      cluster.runUntil(8000);
      // The put's append reaches the followers; the leader dies before anyone hears it committed.
      cluster.onSend = (from, message) => {
        if (from === leader && message.type === "append" && message.entries.length > 0) cluster.crash(leader);
      };
      cluster.clientSend(put(leader, "p2"));
      cluster.runUntil(12_000);
      expect(replies.map((r) => r.MID), `seed ${seed}: p2 died with its leader`).toEqual(["first"]);
      const successors = cluster.leaders();
      expect(successors.length, `seed ${seed}: the followers holding p2 elected a leader`).toBe(1);
      expect(successors[0]!.raft.commitIndex, `seed ${seed}`).toBe(successors[0]!.raft.log.lastIndex);
    }
  });
});
