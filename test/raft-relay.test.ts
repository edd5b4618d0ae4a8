// Relay chains (one append, forwarded once, answered for both followers) and the
// retransmission back-off, on hand-driven bare RaftNodes.
import { describe, expect, test } from "bun:test";
import type { RaftNode } from "../src/raft/node.ts";
import { HEARTBEAT_RETRY_MS } from "../src/raft/send-pacing.ts";
import type { AppendReply, AppendRequest, RaftMessage } from "../src/raft/types.ts";
import { encode } from "../src/wire/encode.ts";
import { decode } from "../src/wire/schema.ts";
import { NodeNet } from "./helpers/node-net.ts";

const IDS = ["A", "B", "C", "D", "E"];

/**
 * The times below (a catch-up heartbeat at 5600, puts from 6000) were written for a 500 ms
 * heartbeat; what these tests check does not depend on the heartbeat's pace.
 */
const TIMING = { heartbeatInterval: 500 };

/** A five-node cluster with A elected and every follower caught up and answering. */
function electedCluster(): NodeNet {
  const net = new NodeNet(IDS.map((id) => ({ id })), TIMING);
  const a = net.node("A");
  a.tick(5000);
  net.deliver(5000);
  expect(a.role).toBe("leader");
  // Catch everyone up on the no-op: then all followers are in step.
  a.tick(5600);
  net.deliver(5600);
  for (const id of IDS.slice(1)) expect(a.matchOf(id)).toBe(a.log.lastIndex);
  return net;
}

/** A puts one entry through a relay chain and commits it; nothing else has moved. */
function commitThroughChain(): { net: NodeNet; a: RaftNode; index: number; head: AppendRequest; relayed: AppendRequest } {
  const net = electedCluster();
  const a = net.node("A");
  const index = a.propose({ term: a.term, key: "k", value: "v" }, 6000);
  const [head] = net.take(() => true) as AppendRequest[];
  net.node(head!.dst).step(head!, 6000);
  const [relayed] = net.take(() => true) as AppendRequest[];
  net.node(relayed!.dst).step(relayed!, 6000);
  a.step(net.take(() => true)[0]!, 6000); // A commits (and would answer its client)
  expect(a.commitIndex).toBe(index);
  return { net, a, index, head: head!, relayed: relayed! };
}

/** A proposes one put at 6000 and its chain's head (not yet delivered) is taken. */
function proposeThroughChain(): { net: NodeNet; a: RaftNode; index: number; head: AppendRequest; relayer: RaftNode } {
  const net = electedCluster();
  const a = net.node("A");
  const index = a.propose({ term: a.term, key: "k", value: "v" }, 6000);
  const [head] = net.take(() => true) as AppendRequest[];
  return { net, a, index, head: head!, relayer: net.node(head!.dst) };
}

/** Only `id` campaigns (the others' timers are not run), over the messages `allow` lets through. */
function electAlone(net: NodeNet, id: string, allow: (m: RaftMessage) => boolean, from = 6100): void {
  const node = net.node(id);
  for (let now = from; node.role !== "leader" && now < from + 6000; now += 50) {
    node.tick(now);
    net.deliver(now, allow);
  }
  expect(node.role).toBe("leader");
}

const describeMessage = (m: RaftMessage) => `${m.type} ${m.src}->${m.dst}`;

describe("relay chains", () => {
  test("a new entry reaches a quorum in three messages and commits", () => {
    const net = electedCluster();
    const a = net.node("A");
    const index = a.propose({ term: a.term, key: "k", value: "v" }, 6000);
    const first = net.take(() => true);
    expect(first.map(describeMessage)).toHaveLength(1);
    const head = first[0] as AppendRequest;
    expect(head.type).toBe("append");
    expect(head.relayTo).toBeDefined();

    // Hop 1: the first follower forwards instead of answering.
    net.node(head.dst).step(head, 6000.1);
    const second = net.take(() => true);
    expect(second).toHaveLength(1);
    const relayed = second[0] as AppendRequest;
    expect(relayed).toMatchObject({ type: "append", src: head.dst, dst: head.relayTo, relay: { leader: "A", match: index } });

    // Hop 2: the second answers the leader for both.
    net.node(relayed.dst).step(relayed, 6000.2);
    const third = net.take(() => true);
    expect(third).toHaveLength(1);
    const answer = third[0] as AppendReply;
    expect(answer).toMatchObject({ type: "appended", dst: "A", success: true, match: index, relay: { peer: head.dst, match: index } });

    // The one that answers knows the entry is on three of five replicas: committed.
    expect(net.node(relayed.dst).commitIndex).toBe(index);
    expect(net.node(head.dst).commitIndex).toBeLessThan(index);

    a.step(answer, 6000.3);
    expect(a.commitIndex).toBe(index);
    expect(a.matchOf(head.dst)).toBe(index);
    expect(a.matchOf(head.relayTo!)).toBe(index);
  });

  test("a silent chain is retried twice as a chain, its entry goes to the other pair after the first retry, then it is sent to directly", () => {
    const net = electedCluster();
    const a = net.node("A");
    // The first chain is lost entirely: both its followers fall silent.
    a.propose({ term: a.term, key: "k", value: "1" }, 6000);
    const [lost] = net.take(() => true) as AppendRequest[];
    const silent = new Set([lost!.dst, lost!.relayTo!]);
    const isChainOfSilent = (m: AppendRequest) => silent.has(m.dst) && m.relayTo !== undefined && silent.has(m.relayTo);
    // The first retry takes the same chain (a lost packet is the likely cause) ...
    a.tick(a.nextDeadline());
    const first = net.take(() => true) as AppendRequest[];
    expect(first).toHaveLength(1);
    expect(isChainOfSilent(first[0]!)).toBe(true);
    // ... so does the second, while the entry also goes on to the two others, and commits.
    let now = a.nextDeadline();
    a.tick(now);
    const second = net.take(() => true) as AppendRequest[];
    expect(second.filter((m) => silent.has(m.dst)).map(isChainOfSilent)).toEqual([true]);
    const rerouted = second.filter((m) => !silent.has(m.dst));
    expect(rerouted).toHaveLength(1);
    net.node(rerouted[0]!.dst).step(rerouted[0]!, now);
    net.deliver(now, (m) => !silent.has(m.src) && !silent.has(m.dst));
    expect(a.commitIndex).toBe(a.log.lastIndex);
    // When that is lost too, each silent follower is sent to directly.
    now = a.nextDeadline();
    a.tick(now);
    const third = net.take((m) => silent.has(m.dst)) as AppendRequest[];
    expect(third.map((m) => m.relayTo)).toEqual([undefined, undefined]);
    // New entries now go by way of the two that answer.
    a.propose({ term: a.term, key: "k", value: "2" }, now + 1);
    const next = net.take(() => true) as AppendRequest[];
    expect(next.length).toBeGreaterThan(0);
    for (const message of next) {
      if (silent.has(message.dst)) expect(message.relayTo).toBeUndefined();
      if (message.relayTo !== undefined) expect(silent.has(message.relayTo)).toBe(false);
    }
  });

  test("a chain whose answer alone was lost is retried from its end, which answers for both: two messages, not three", () => {
    const { net, a, index, head, relayer } = proposeThroughChain();
    const end = net.node(head.relayTo!);
    relayer.step(head, 6000);
    net.deliver(6000, (m) => m.type === "append"); // the relay arrives; the end's answer is lost
    expect(end.log.lastIndex).toBe(index);
    expect(a.commitIndex).toBeLessThan(index);
    // The retry is turned round: to the end first, naming the relayer.
    const retryAt = a.nextDeadline();
    a.tick(retryAt);
    const [retry, ...others] = net.take(() => true) as AppendRequest[];
    expect(others).toEqual([]);
    expect(retry).toMatchObject({ type: "append", dst: end.id, relayTo: relayer.id });
    // The end holds the entry, and knows the relayer does (it relayed it in this term):
    // it answers at once, crediting the relayer with the send the relayer really received.
    end.step(retry!, retryAt);
    const [answer, ...more] = net.take(() => true) as AppendReply[];
    expect(more).toEqual([]);
    expect(answer).toMatchObject({ type: "appended", dst: "A", success: true, match: index, sentAt: retryAt, relay: { peer: relayer.id, match: index, sentAt: head.sentAt } });
    a.step(answer!, retryAt + 0.1);
    expect(a.commitIndex).toBe(index);
    expect(a.matchOf(relayer.id)).toBe(index);
    // The relayer counts as answered (its last send was the one it relayed): it is not sent
    // to again as if a heartbeat to it had gone unanswered.
    a.tick(retryAt + HEARTBEAT_RETRY_MS);
    expect(net.take(() => true)).toEqual([]);
  });

  test("a turned-round retry whose end lacks the entries goes on along the chain", () => {
    const { net, a, index, head, relayer } = proposeThroughChain();
    relayer.step(head, 6000);
    net.take(() => true); // the relayed copy is lost: only the relayer holds the entry
    const retryAt = a.nextDeadline();
    a.tick(retryAt);
    const [retry] = net.take(() => true) as AppendRequest[];
    expect(retry).toMatchObject({ dst: head.relayTo, relayTo: relayer.id });
    // The end cannot vouch for the relayer before holding the entries itself: it passes
    // the append on, and the relayer answers for both.
    const end = net.node(head.relayTo!);
    end.step(retry!, retryAt);
    const [forwarded] = net.take(() => true) as AppendRequest[];
    expect(forwarded).toMatchObject({ type: "append", src: end.id, dst: relayer.id, relay: { leader: "A", match: index } });
    relayer.step(forwarded!, retryAt);
    net.deliver(retryAt);
    expect(a.commitIndex).toBe(index);
  });

  test("a turned-round heartbeat is relayed, never answered for the relayer: its lease needs a fresh answer", () => {
    const { net, a, index, head, relayed } = commitThroughChain();
    const end = net.node(relayed.dst);
    expect(end.log.lastIndex).toBe(index);
    // A heartbeat (no entries) from the end to the relayer, as a turned-round chain.
    const heartbeat: AppendRequest = { ...head, dst: end.id, relayTo: head.dst, entries: [], prevIndex: index, prevTerm: a.term, commit: index, sentAt: 6500 };
    end.step(heartbeat, 6500);
    const [out] = net.take(() => true);
    expect(out).toMatchObject({ type: "append", src: end.id, dst: head.dst, relay: { leader: "A" } });
  });

  test("steady puts take turns among the followers: no one waits for a heartbeat", () => {
    const net = electedCluster();
    const a = net.node("A");
    const heardAt = new Map<string, number>();
    let now = 6000;
    // Puts 100 ms apart (as in the official scenarios), each delivered before the next.
    for (let i = 0; i < 40; i++, now += 100) {
      const index = a.propose({ term: a.term, key: "k", value: String(i) }, now);
      net.deliver(now, (m) => {
        if (m.type === "append") heardAt.set(m.dst, now);
        return true;
      });
      expect(a.commitIndex, `put ${i}`).toBe(index);
      // Every follower heard from the leader (directly or by relay) at one of the last two puts.
      if (i >= 2) for (const id of IDS.slice(1)) expect(now - (heardAt.get(id) ?? -Infinity), `${id} at put ${i}`).toBeLessThanOrEqual(100);
    }
    // ... so a tick between puts never found a heartbeat due.
    a.tick(now - 50);
    expect(net.take(() => true)).toEqual([]);
  });

  test("a chain serves two followers at different points: it starts from the one further behind", () => {
    const net = electedCluster();
    const a = net.node("A");
    // E is gone: three followers take turns in pairs, so pairs mix one ahead and one behind.
    const alive = (m: RaftMessage) => m.dst !== "E" && m.src !== "E";
    let now = 6000;
    let mixed = 0;
    for (let i = 0; i < 12; i++, now += 100) {
      const index = a.propose({ term: a.term, key: "k", value: String(i) }, now);
      const heads = net.take(() => true) as AppendRequest[];
      for (const head of heads) {
        if (head.relayTo === undefined || head.dst === "E" || head.relayTo === "E") continue;
        // The append starts after the match point of whichever of the two is further behind.
        expect(head.prevIndex, `put ${i}`).toBe(Math.min(a.matchOf(head.dst), a.matchOf(head.relayTo)));
        if (a.matchOf(head.dst) !== a.matchOf(head.relayTo)) mixed++;
      }
      for (const head of heads) if (alive(head)) net.node(head.dst).step(head, now);
      net.deliver(now, alive);
      // Whatever went by way of E is lost: the leader's retransmissions commit it. The
      // clock runs until the next put, as the binary's timer would.
      for (let t = a.nextDeadline(); t < now + 100; t = Math.max(t + 0.01, a.nextDeadline())) {
        a.tick(t);
        net.deliver(t, alive);
      }
      expect(a.commitIndex, `put ${i}`).toBe(index);
    }
    expect(mixed).toBeGreaterThan(3);
    for (const id of ["B", "C", "D"]) expect(net.node(id).log.lastIndex, id).toBeGreaterThanOrEqual(a.log.lastIndex - 1);
  });

  test("a successor learns from its voters what the old leader answered, and does not answer it again", () => {
    const { net, a, index, head, relayed } = commitThroughChain();
    // One of the other pair got the entry directly too, in a catch-up sent before the
    // commit (so it neither relayed it nor knows it committed) ...
    const other = IDS.slice(1).find((id) => id !== head.dst && id !== relayed.dst)!;
    const successor = net.node(other);
    successor.step({ ...head, dst: other, relayTo: undefined, entries: [a.log.entry(index)], prevIndex: index - 1, prevTerm: a.log.termAt(index - 1), commit: index - 1 }, 6000);
    net.take(() => true);
    expect(successor.log.lastIndex).toBe(index);
    expect(successor.commitIndex).toBeLessThan(index);
    // ... and wins once A is gone: only the chain's end, among its voters, knew of the commit.
    expect(net.node(head.dst).commitIndex).toBeLessThan(index);
    expect(net.node(relayed.dst).commitIndex).toBe(index);
    electAlone(net, other, (m) => m.src !== "A" && m.dst !== "A");
    expect(successor.leaderCommitFloor).toBe(index);
  });

  test("a successor whose voters answered the entry directly, enough of them to commit it, takes it as answered", () => {
    const { net, a, index, head } = proposeThroughChain();
    // The chain is lost; the entry goes straight to two followers, as under heavy loss or
    // after a reroute. Both answer, A commits (and would answer its client), and is gone
    // before any send tells a follower of that commit.
    const [b, c] = IDS.slice(1).filter((id) => id !== head.relayTo);
    for (const id of [b!, c!]) net.node(id).step({ ...head, dst: id, relayTo: undefined }, 6000);
    for (const reply of net.take(() => true)) a.step(reply, 6000);
    expect(a.commitIndex).toBe(index);
    for (const id of IDS.slice(1)) expect(net.node(id).commitIndex, id).toBeLessThan(index);
    // Both answers reached A: with A itself, a quorum held the entry. The successor's
    // voters say they answered it (and what they answered, in which term).
    electAlone(net, b!, (m) => m.src !== "A" && m.dst !== "A");
    expect(net.node(b!).leaderCommitFloor).toBe(index);
  });

  test("a guessed put's leader settles it only by answering a send that carried the successor's first commit", () => {
    const { net, index, relayed } = commitThroughChain();
    // A is cut off; the chain's end, which alone knew the commit, wins among the others
    // and takes the put as answered on that guess. Its sends to A wait.
    const end = net.node(relayed.dst);
    const toA: RaftMessage[] = [];
    electAlone(net, end.id, (m) => {
      if (m.dst === "A") toA.push(m);
      return m.src !== "A" && m.dst !== "A";
    });
    expect(end.leaderCommitFloor).toBe(index);
    expect(end.guessedAfter).toBeLessThan(index);
    const noOp = toA.find((m) => m.type === "append" && m.entries.length > 0) as AppendRequest;
    expect(noOp.commit).toBeLessThan(index + 1); // sent before the no-op committed
    // The no-op committed among the others; the next send to A carries that commit.
    let now = 6200;
    for (; now < 9000 && !net.inFlight.some((m) => m.type === "append" && m.dst === "A" && !m.quiet); now += 10) end.tick(now);
    const told = net.take((m) => m.type === "append" && m.dst === "A" && !m.quiet)[0] as AppendRequest;
    expect(told.commit).toBeGreaterThan(index);
    // A answers the first send late: its log matches past the no-op, but that send did
    // not tell it the commit, so it cannot have decided about its put yet.
    net.node("A").step(noOp, now);
    const early = net.take((m) => m.type === "appended" && m.src === "A")[0] as AppendReply;
    expect(early.match).toBeGreaterThan(index);
    end.step(early, now);
    expect(end.guessSettled(index, now)).toBe(false);
    // Its answer to the send that told it settles the put.
    net.node("A").step(told, now);
    end.step(net.take((m) => m.type === "appended" && m.src === "A")[0]!, now);
    expect(end.guessSettled(index, now)).toBe(true);
  });

  test("one follower's answer is not enough: a successor that alone answered the entry answers the put", () => {
    const { net, a, index, head } = proposeThroughChain();
    const [b] = IDS.slice(1).filter((id) => id !== head.relayTo);
    net.node(b!).step({ ...head, dst: b!, relayTo: undefined }, 6000);
    for (const reply of net.take(() => true)) a.step(reply, 6000);
    expect(a.commitIndex).toBeLessThan(index);
    electAlone(net, b!, (m) => m.src !== "A" && m.dst !== "A");
    expect(net.node(b!).leaderCommitFloor).toBeLessThan(index);
  });

  test("a relayer's vote counts what it relayed as answered, as the leader credited it", () => {
    // advanced-4 seed 4104, replayed: A commits a put on a direct answer and a chain's
    // (its end answering for the relayer), and is cut off with the chain's end. The
    // follower that got it directly wins with the relayer's vote and the fifth replica's:
    // it must count the relayer's acknowledgement, or it answers the put a second time.
    const { net, a, index, head } = proposeThroughChain();
    const relayer = net.node(head.dst);
    const end = head.relayTo!;
    const [direct] = IDS.slice(1).filter((id) => id !== head.dst && id !== end);
    relayer.step(head, 6000);
    net.node(end).step(net.take(() => true)[0] as AppendRequest, 6000);
    net.node(direct!).step({ ...head, dst: direct!, relayTo: undefined }, 6000);
    for (const reply of net.take(() => true)) a.step(reply, 6000);
    expect(a.commitIndex).toBe(index);
    for (const id of [direct!, relayer.id]) expect(net.node(id).commitIndex, id).toBeLessThan(index);
    const cut = new Set(["A", end]);
    electAlone(net, direct!, (m) => !cut.has(m.src) && !cut.has(m.dst));
    expect(net.node(direct!).leaderCommitFloor).toBe(index);
  });

  test("a relayer elected without the chain's end still takes the put it relayed as answered", () => {
    const { net, index, head, relayed } = commitThroughChain();
    // A and the chain's end are cut off together; the relayer wins among the other three.
    const cut = new Set(["A", relayed.dst]);
    electAlone(net, head.dst, (m) => !cut.has(m.src) && !cut.has(m.dst));
    expect(net.node(head.dst).leaderCommitFloor).toBe(index);
  });

  test("a relayer whose chain's end votes with a lower commit does not take the entry as answered", () => {
    const { net, index, head, relayer } = proposeThroughChain();
    relayer.step(head, 6000);
    // The relayed copy is lost, and A is cut off before any retry: nobody holds the entry
    // but A and the relayer, and nobody answered it.
    net.take(() => true);
    expect(net.node(head.relayTo!).commitIndex).toBeLessThan(index);
    // The relayer campaigns among the others, the chain's end among them: its vote says it
    // never committed the entry, so the relayer's guess is withdrawn and it answers the put.
    electAlone(net, head.dst, (m) => m.src !== "A" && m.dst !== "A");
    expect(relayer.leaderCommitFloor).toBeLessThan(index);
  });

  test("a late vote answer from a campaign before the relay does not withdraw the relayer's guess", () => {
    const { net, index, head, relayer } = proposeThroughChain();
    const end = net.node(head.relayTo!);
    // The relayer campaigned once before the put (its timer ran out; the chain's end,
    // out of its lease too, answers with the commit it had then) ...
    relayer.tick(8000);
    net.deliver(8000, (m) => m.type === "vote" && m.dst === end.id, 1);
    const [stale] = net.take((m) => m.type === "voted" && m.src === end.id);
    expect(stale).toMatchObject({ type: "voted", pre: true, commit: index - 1 });
    net.take(() => true);
    // ... then the chain goes through: the end commits the entry and answers the leader.
    relayer.step(head, 8000.1);
    net.deliver(8000.1, (m) => m.type === "append");
    expect(end.commitIndex).toBe(index);
    net.take(() => true);
    // The old answer arrives now: it was written before the relay could arrive, and
    // says nothing about it. A and the end are cut off; the relayer, elected by the other
    // two, keeps its guess (nobody else could tell it the put was answered).
    relayer.step(stale!, 8000.2);
    const cut = new Set(["A", end.id]);
    electAlone(net, head.dst, (m) => !cut.has(m.src) && !cut.has(m.dst), 8100);
    expect(relayer.leaderCommitFloor).toBe(index);
  });

  test("a relayer the leader then sends the same entry directly does not take it as answered", () => {
    const { net, a, index, head, relayer } = proposeThroughChain();
    // Every relayed copy is lost: the chain never gets through, and the leader retries it,
    // then sends to each follower directly. The relayer gets that too; its answer is lost.
    let now = 6000;
    relayer.step(head, now);
    for (let i = 0; i < 10 && !net.inFlight.some((m) => m.type === "append" && m.src === "A" && m.dst === head.dst && m.relayTo === undefined); i++) {
      net.take(() => true);
      now = a.nextDeadline();
      a.tick(now);
      for (const m of net.inFlight) if (m.type === "append" && m.dst === head.dst && m.relayTo !== undefined) relayer.step(m, now);
    }
    const direct = net.take((m) => m.type === "append" && m.src === "A" && m.dst === head.dst && m.relayTo === undefined)[0] as AppendRequest;
    expect(direct).toBeDefined();
    relayer.step(direct, now);
    net.take(() => true);
    expect(a.commitIndex).toBeLessThan(index);
    // A is gone; the relayer wins. Nobody answered the put, so the relayer must.
    electAlone(net, head.dst, (m) => m.src !== "A" && m.dst !== "A");
    expect(relayer.leaderCommitFloor).toBeLessThan(index);
  });

  test("a relayed append from a deposed leader is refused back to that leader, not the relayer", () => {
    const net = electedCluster();
    const a = net.node("A");
    a.propose({ term: a.term, key: "k", value: "v" }, 6000);
    const [head] = net.take(() => true) as AppendRequest[];
    net.node(head!.dst).step(head!, 6000.1);
    const [relayed] = net.take(() => true) as AppendRequest[];
    // The relay target has meanwhile moved to a later term.
    const target = net.node(relayed!.dst);
    target.step({ type: "vote", src: "E", dst: target.id, term: a.term + 5, pre: false, lastIndex: 99, lastTerm: 99 }, 9000);
    net.take(() => true);
    target.step(relayed!, 9000);
    const [refusal] = net.take(() => true) as AppendReply[];
    expect(refusal).toMatchObject({ type: "appended", dst: "A", success: false, term: a.term + 5 });
    a.step(refusal!, 9000);
    expect(a.role).toBe("follower");
  });

  test("relay fields survive the wire", () => {
    const append: AppendRequest = {
      type: "append", quiet: false, src: "0001", dst: "0002", term: 3, prevIndex: 4, prevTerm: 3,
      entries: [{ term: 3, key: "k", value: "v", client: "0016", mid: "m1" }], commit: 4, sentAt: 12.5,
      relay: { leader: "0000", match: 5 },
    };
    const decoded = decode(encode(append, "0000"));
    expect(decoded.ok && decoded.message).toMatchObject({ relay: { leader: "0000", match: 5 }, prevIndex: 4 });
    const head = decode(encode({ ...append, relay: undefined, relayTo: "0003" }, "0000"));
    expect(head.ok && head.message).toMatchObject({ relayTo: "0003" });
    const reply: AppendReply = { type: "appended", src: "0002", dst: "0000", term: 3, success: true, match: 5, hintIndex: 0, hintTerm: 0, sentAt: 12.5, relay: { peer: "0001", match: 5 } };
    const decodedReply = decode(encode(reply, "0000"));
    expect(decodedReply.ok && decodedReply.message).toMatchObject({ relay: { peer: "0001", match: 5 } });
    const forBoth = decode(encode({ ...reply, relay: { peer: "0001", match: 5, sentAt: 8.25 } }, "0000"));
    expect(forBoth.ok && forBoth.message).toMatchObject({ relay: { peer: "0001", match: 5, sentAt: 8.25 } });
    expect(decode(encode(reply, "0000").replace('"match":5}', '"match":5,"sentAt":"8"}')).ok).toBe(false);
    // A malformed relay is refused at the boundary.
    expect(decode(encode(append, "0000").replace('"match":5}', '"match":-1}')).ok).toBe(false);
  });
});

/** Every follower a batch of appends reaches: each one's destination and its relay's. */
const reachedBy = (appends: AppendRequest[]) => new Set(appends.flatMap((m) => (m.relayTo ? [m.dst, m.relayTo] : [m.dst])));

describe("heartbeats", () => {
  test("a heartbeat that goes unanswered is sent again within HEARTBEAT_RETRY_MS, not a heartbeat later", () => {
    const net = new NodeNet(IDS.map((id) => ({ id })));
    const a = net.node("A");
    a.tick(5000);
    net.deliver(5000);
    expect(a.role).toBe("leader");
    const { heartbeatInterval } = a.config;
    // Idle: the next send is the heartbeat, a whole interval away.
    const due = a.nextDeadline();
    expect(due).toBeGreaterThanOrEqual(5000 + heartbeatInterval);
    a.tick(due);
    const heartbeats = net.take(() => true) as AppendRequest[];
    const reached = reachedBy(heartbeats);
    expect(reached).toEqual(new Set(IDS.slice(1)));
    // All of them lost: each follower is tried again soon, by the same path (a lost packet
    // is likelier than a dead follower), though not before a slow link could answer.
    expect(a.nextDeadline()).toBe(due + HEARTBEAT_RETRY_MS);
    a.tick(a.nextDeadline());
    const retries = net.take(() => true) as AppendRequest[];
    expect(reachedBy(retries)).toEqual(reached);
    // Answered, the leader waits a whole interval again.
    net.inFlight.push(...retries);
    const answeredAt = due + HEARTBEAT_RETRY_MS;
    net.deliver(answeredAt);
    expect(a.nextDeadline()).toBe(answeredAt + heartbeatInterval);
  });
});

describe("followers silent since the election", () => {
  test("one that never answered this leader is sent to ever more rarely; one that answered once keeps the heartbeat pace", () => {
    const net = new NodeNet(IDS.map((id) => ({ id })));
    const a = net.node("A");
    // E is gone before A's election (the leader A replaced, say); D answers A at first
    // (once A's no-op reaches it: its relay chain may have ended at E).
    const withoutE = (m: RaftMessage) => m.src !== "E" && m.dst !== "E";
    a.tick(5000);
    net.deliver(5000, withoutE);
    expect(a.role).toBe("leader");
    for (let now = 5000; a.matchOf("D") === 0 && now < 5100; ) {
      now = a.nextDeadline();
      a.tick(now);
      net.deliver(now, withoutE);
    }
    expect(a.matchOf("D")).toBe(a.log.lastIndex);
    // Now D falls silent too; B and C keep answering, so A stays leader.
    const reached = (m: RaftMessage, id: string) => m.dst === id || (m.type === "append" && m.relayTo === id);
    const sent = { D: 0, E: 0 };
    const { heartbeatInterval } = a.config;
    for (let now = 5000; now < 5000 + 30 * heartbeatInterval; ) {
      now = Math.max(now + 0.01, a.nextDeadline());
      a.tick(now);
      for (const m of net.inFlight) {
        if (reached(m, "D")) sent.D++;
        if (reached(m, "E")) sent.E++;
      }
      net.deliver(now, (m) => !["D", "E"].includes(m.src) && !["D", "E"].includes(m.dst));
    }
    expect(a.role).toBe("leader");
    // D: a heartbeat a second (and its retries); E: the same for four seconds, then
    // every half of its silence so far (6, 9, 13.5, 20, 28 s).
    expect(sent.D).toBeGreaterThanOrEqual(30);
    expect(sent.E).toBeLessThan(sent.D / 2);
  });
});

describe("retransmission back-off", () => {
  test("a leader with a quorum in step probes followers that never answered at the heartbeat pace, not with every put", () => {
    // Past term 1, so A's is an ordinary election (a new cluster's appointed leader is its
    // followers' first news of any leader, and sends to each quickly until it answers).
    const net = new NodeNet(IDS.map((id) => ({ id, term: 1 })));
    const a = net.node("A");
    // D and E are gone before A's election (the leader A replaced, killed, say).
    const alive = (m: RaftMessage) => !["D", "E"].includes(m.src) && !["D", "E"].includes(m.dst);
    const reached = (m: RaftMessage, id: string) => m.dst === id || (m.type === "append" && m.relayTo === id);
    a.tick(5000);
    net.deliver(5000, alive);
    expect(a.role).toBe("leader");
    // A put every 77 ms for most of a heartbeat interval, as advanced-2's clients send them.
    const sent = { D: 0, E: 0 };
    const count = () => {
      for (const m of net.inFlight) for (const id of ["D", "E"] as const) if (reached(m, id)) sent[id]++;
    };
    let now = 5000;
    for (let put = 0; put < 10; put++) {
      const at = 5100 + put * 77;
      while (a.nextDeadline() < at) {
        now = Math.max(now + 0.01, a.nextDeadline());
        a.tick(now);
        count();
        net.deliver(now, alive);
      }
      now = at;
      const index = a.propose({ term: a.term, key: `k${put}`, value: "v" }, now);
      // As the binary does: a deadline already past runs at once, before any answer.
      if (a.nextDeadline() <= now) a.tick(now);
      count();
      net.deliver(now, alive);
      // B and C make the quorum: each put commits at once, with nobody else.
      expect(a.commitIndex).toBe(index);
    }
    // Nothing to D or E since the election's no-op (two puts in the same 4 ms once probed
    // each again, with backing-off waits: six sends each over these ten puts).
    expect(sent).toEqual({ D: 0, E: 0 });
  });

  test("a new cluster's appointed leader sends its no-op again quickly to a follower that has not answered", () => {
    const net = new NodeNet(IDS.map((id) => ({ id })));
    const a = net.node("A");
    const start = a.nextDeadline();
    a.tick(start);
    expect([a.role, a.term]).toEqual(["leader", 1]);
    // Every packet to or from D is lost for a while: the chain through D and E fails, and
    // B and C make the quorum for the no-op.
    const withoutD = (m: RaftMessage) => m.dst !== "D" && m.src !== "D";
    const toD: number[] = [];
    let now = start;
    net.deliver(now, withoutD);
    expect(a.commitIndex).toBe(1);
    while (now < start + 300) {
      now = Math.max(now + 0.01, a.nextDeadline());
      a.tick(now);
      for (const m of net.take((m) => m.dst === "D")) toD.push(now);
      net.deliver(now, withoutD);
    }
    // No vote told D of a leader: it is not left to the heartbeat pace (a second), but
    // tried again within milliseconds, then backing off.
    expect(toD.length).toBeGreaterThanOrEqual(3);
    expect(toD[0]! - start).toBeLessThan(10);
  });

  test("once the followers in step no longer make a quorum, a silent one is probed again at once", () => {
    const net = new NodeNet(IDS.map((id) => ({ id })));
    const a = net.node("A");
    // D's packets are lost during the election; it is alive. E is gone.
    const without = (...ids: string[]) => (m: RaftMessage) => !ids.includes(m.src) && !ids.includes(m.dst);
    a.tick(5000);
    net.deliver(5000, without("D", "E"));
    expect(a.role).toBe("leader");
    // B is killed: a new put has only C in step, and needs D.
    const index = a.propose({ term: a.term, key: "k", value: "v" }, 5100);
    net.deliver(5100, without("B", "D", "E"));
    let now = 5100;
    while (a.commitIndex < index && now < 5100 + a.config.heartbeatInterval) {
      now = Math.max(now + 0.01, a.nextDeadline());
      a.tick(now);
      net.deliver(now, without("B", "E"));
    }
    expect(a.commitIndex).toBe(index);
    // Within the retransmission back-off of an entry (a few tries), not a heartbeat later.
    expect(now - 5100).toBeLessThan(100);
  });

  test("a cut-off follower gets a handful of retransmissions per heartbeat, not one every few ms", () => {
    const net = electedCluster();
    const a = net.node("A");
    a.propose({ term: a.term, key: "k", value: "v" }, 6000);
    net.take(() => true);
    // Nobody answers for a whole heartbeat interval; tick as often as the leader asks.
    const sentTo = new Map<string, number>();
    let now = 6000;
    while (now < 6000 + a.config.heartbeatInterval) {
      now = Math.max(now + 0.01, a.nextDeadline());
      a.tick(now);
      for (const m of net.take(() => true)) sentTo.set(m.dst, (sentTo.get(m.dst) ?? 0) + 1);
    }
    // Each silent follower gets two quick retries, then doubling gaps: about
    // log2(heartbeat/retransmit) more (a fixed 4 ms pace would send ~125 to each).
    const backedOff = Math.ceil(Math.log2(a.config.heartbeatInterval / a.config.retransmitInterval)) + 3;
    expect(sentTo.size).toBeGreaterThanOrEqual(2);
    for (const [peer, count] of sentTo) {
      expect(count, peer).toBeGreaterThanOrEqual(3);
      expect(count, peer).toBeLessThanOrEqual(backedOff);
    }
  });
});

describe("retransmission timer", () => {
  /** How long after a put, whose every send is lost, the leader first sends it again. */
  function firstRetryAfter(net: NodeNet, at: number): number {
    const a = net.node("A");
    a.propose({ term: a.term, key: "k", value: "v" }, at);
    expect(net.take(() => true).length).toBeGreaterThan(0);
    return a.nextDeadline() - at;
  }

  /**
   * A cluster whose leader proposed `puts` puts, 100 ms apart, each handed to `answer` to
   * get through (so the leader measures round trips and losses), and each committed.
   */
  function trained(puts: number, answer: (net: NodeNet, a: RaftNode, now: number) => void): { net: NodeNet; now: number } {
    const net = electedCluster();
    const a = net.node("A");
    let now = 6000;
    for (let i = 0; i < puts; i++, now += 100) {
      a.propose({ term: a.term, key: `k${i}`, value: "v" }, now);
      answer(net, a, now);
      expect(a.commitIndex, `put ${i}`).toBe(a.log.lastIndex);
    }
    return { net, now };
  }

  /**
   * Every first send lost, every retry answered after `delay` ms: about half of all
   * messages arrive. A retry that reaches too few followers is followed by the next.
   */
  function heavyLoss(delay: number): { net: NodeNet; now: number } {
    return trained(40, (net, a) => {
      net.take(() => true);
      for (let tries = 0; tries < 3 && a.commitIndex < a.log.lastIndex; tries++) {
        const retry = a.nextDeadline();
        a.tick(retry);
        net.deliver(retry + delay);
      }
    });
  }

  /** Every put along a chain, answered after `delay` ms. */
  function lightLoss(delay: number, puts = 20): { net: NodeNet; now: number } {
    return trained(puts, (net, _a, now) => {
      expect(net.inFlight.some((m) => m.type === "append" && m.relayTo !== undefined), "the put goes along a chain").toBe(true);
      net.deliver(now + delay);
    });
  }

  test("under light loss a lost chain is sent again after three of its round trips, between half the interval and all of it", () => {
    const interval = electedCluster().node("A").config.retransmitInterval;
    const fast = lightLoss(0.2);
    expect(firstRetryAfter(fast.net, fast.now)).toBe(interval / 2);
    // Chains answered after 1 ms (the smoothed round trip gets there within a few dozen).
    const medium = lightLoss(1, 60);
    expect(firstRetryAfter(medium.net, medium.now)).toBeCloseTo(3, 2);
    const slow = lightLoss(10);
    expect(firstRetryAfter(slow.net, slow.now)).toBe(interval);
  });

  test("under light loss a follower silent through the quick retries backs off from the interval, not from the round trip", () => {
    const { net, now } = lightLoss(0.2);
    const a = net.node("A");
    a.propose({ term: a.term, key: "k", value: "v" }, now);
    // Nobody answers: the waits between sends to the chain's first follower.
    const follower = net.take(() => true)[0]!.dst;
    const reaches = (m: RaftMessage) => m.dst === follower || (m.type === "append" && m.relayTo === follower);
    const sends: number[] = [now];
    for (let t = now; sends.length < 5 && t < now + a.config.heartbeatInterval; ) {
      t = a.nextDeadline();
      a.tick(t);
      if (net.take(() => true).some(reaches)) sends.push(t);
    }
    const waits = sends.slice(1).map((x, i) => x - sends[i]!);
    const { retransmitInterval } = a.config;
    // Three quick retries at the round-trip timer (half the interval here), then 4x the interval.
    expect(waits.slice(0, 3)).toEqual([retransmitInterval / 2, retransmitInterval / 2, retransmitInterval / 2]);
    expect(waits[3]).toBe(4 * retransmitInterval);
  });

  test("under heavy loss an unanswered put is sent again after half the interval: half the puts wait for it", () => {
    const { net, now } = heavyLoss(0);
    expect(firstRetryAfter(net, now)).toBe(net.node("A").config.retransmitInterval / 2);
  });

  test("under heavy loss on a slow network the timer follows the round trip, up to the light-loss interval", () => {
    const interval = electedCluster().node("A").config.retransmitInterval;
    // Retries answered after 1 ms (some catch-up sends still at once): a few round trips,
    // more than the floor and less than the cap.
    const medium = heavyLoss(1);
    const after = firstRetryAfter(medium.net, medium.now);
    expect(after).toBeGreaterThan(interval / 2);
    expect(after).toBeLessThan(interval);
    // Round trips of 10 ms: the light-loss interval, no more.
    const slow = heavyLoss(10);
    expect(firstRetryAfter(slow.net, slow.now)).toBe(interval);
  });
});
