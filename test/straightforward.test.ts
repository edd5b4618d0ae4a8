// The straightforward build (test/fixtures/straightforward-raft.ts) is what our message
// counts are held against, so its cost must be what the issue describes: every put sent
// to every follower in an append of its own and every append answered (8 messages a put
// with 5 replicas), one answered heartbeat a follower a second when idle. Run here on a
// lossless in-memory network (instant delivery, in order), on a seeded clock.
import { describe, expect, test } from "bun:test";
import { DEFAULT_CONFIG } from "../src/raft/types.ts";
import { seededRandom } from "../src/util/prng.ts";
import { StraightforwardNode, type Message } from "./fixtures/straightforward-raft.ts";

const IDS = ["0000", "0001", "0002", "0003", "0004"];
const CLIENT = "0015";

class Network {
  readonly nodes: StraightforwardNode[];
  now = 0;
  peerMessages: Message[] = [];
  clientReplies: Message[] = [];
  /** Replicas whose incoming peer messages are dropped. */
  readonly cut = new Set<string>();

  constructor(seed: number) {
    this.nodes = IDS.map((id, i) => new StraightforwardNode(id, IDS.filter((other) => other !== id), seededRandom(seed * 31 + i), 0));
  }

  node(id: string): StraightforwardNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  leader(): StraightforwardNode | undefined {
    return this.nodes.find((n) => n.role === "leader");
  }

  /** Delivers everything in flight, in order, until nothing is left. */
  private drain(): void {
    const queue = this.nodes.flatMap((n) => n.takeOutbox());
    while (queue.length > 0) {
      const message = queue.shift()!;
      if (!IDS.includes(message.dst)) {
        this.clientReplies.push(message);
        continue;
      }
      this.peerMessages.push(message);
      if (this.cut.has(message.dst)) continue;
      const to = this.node(message.dst);
      to.receive(message, this.now);
      queue.push(...to.takeOutbox());
    }
  }

  /** Runs every timer due up to `until`, in time order. */
  runUntil(until: number): void {
    for (;;) {
      let due: StraightforwardNode | undefined;
      for (const n of this.nodes) if (n.nextDeadline() <= until && (due === undefined || n.nextDeadline() < due.nextDeadline())) due = n;
      if (due === undefined) break;
      this.now = Math.max(this.now, due.nextDeadline());
      due.tick(this.now);
      this.drain();
    }
    this.now = until;
  }

  request(to: string, message: Record<string, unknown>): void {
    this.node(to).receive({ src: CLIENT, dst: to, leader: "FFFF", ...message } as Message, this.now);
    this.drain();
  }
}

/** The values in a replica's log, in order. */
function values(node: StraightforwardNode): (string | undefined)[] {
  return Array.from({ length: node.log.lastIndex }, (_, i) => node.log.entry(i + 1).value);
}

function elected(seed: number): { net: Network; leader: StraightforwardNode } {
  const net = new Network(seed);
  net.runUntil(DEFAULT_CONFIG.firstElectionMax + 100);
  const leader = net.leader();
  if (leader === undefined) throw new Error(`seed ${seed}: no leader after the first timeouts`);
  return { net, leader };
}

describe("the straightforward build", () => {
  for (const seed of [1, 2, 3]) {
    test(`sends every put to every follower and answers every append: 8 messages a put (seed ${seed})`, () => {
      const { net, leader } = elected(seed);
      net.peerMessages = [];
      const start = net.now;
      for (let i = 0; i < 20; i++) {
        net.request(leader.id, { type: "put", MID: `m${i}`, key: `k${i % 3}`, value: `v${i}` });
        net.runUntil(start + (i + 1) * 10);
      }
      expect(net.peerMessages.filter((m) => m.type === "append")).toHaveLength(20 * 4);
      expect(net.peerMessages.filter((m) => m.type === "appended")).toHaveLength(20 * 4);
      expect(net.clientReplies.filter((m) => m.type === "ok").map((m) => m.MID)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
      net.request(leader.id, { type: "get", MID: "g", key: "k1" });
      expect(net.clientReplies.at(-1)).toMatchObject({ type: "ok", MID: "g", value: "v19" });
    });
  }

  test("answers every idle heartbeat: 8 messages a second with 5 replicas", () => {
    const { net } = elected(4);
    net.runUntil(net.now + 500);
    net.peerMessages = [];
    const from = net.now;
    net.runUntil(from + 10 * DEFAULT_CONFIG.heartbeatInterval);
    expect(net.peerMessages.filter((m) => m.type === "append")).toHaveLength(40);
    expect(net.peerMessages.filter((m) => m.type === "appended")).toHaveLength(40);
  });

  test("a follower redirects to the leader, and one that missed puts catches up by heartbeat", () => {
    const { net, leader } = elected(5);
    const follower = net.nodes.find((n) => n !== leader)!;
    net.request(follower.id, { type: "put", MID: "r", key: "a", value: "1" });
    expect(net.clientReplies.at(-1)).toMatchObject({ type: "redirect", MID: "r", leader: leader.id });
    net.cut.add(follower.id);
    for (let i = 0; i < 3; i++) net.request(leader.id, { type: "put", MID: `p${i}`, key: "a", value: `${i}` });
    expect(values(follower)).toHaveLength(0);
    net.cut.clear();
    net.runUntil(net.now + 2 * DEFAULT_CONFIG.heartbeatInterval);
    expect(values(follower)).toEqual(["0", "1", "2"]);
    expect(follower.kv.get("a")).toBe("2");
  });
});
