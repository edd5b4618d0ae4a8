// Routing and counting (SPEC §3.4) and partitions (§3.7), in-process.
import { describe, expect, test } from "bun:test";
import { replicaIds } from "../src/sim/ids.ts";
import { Network } from "../src/sim/network.ts";
import { Rng } from "../src/sim/prng.ts";

const five = replicaIds(5);

describe("routing", () => {
  test("a broadcast counts n-1 and reaches every other replica", () => {
    const net = new Network(five, 0, new Rng(1));
    const r = net.route("0002", "FFFF");
    expect(r.counted).toBe(4);
    expect(r.deliver).toEqual(["0000", "0001", "0003", "0004"]);
    expect(r.dropped).toBe(0);
  });

  test("a packet to one replica counts 1", () => {
    const net = new Network(five, 0, new Rng(1));
    expect(net.route("0000", "0003")).toEqual({ deliver: ["0003"], counted: 1, dropped: 0 });
  });

  test("drops happen at the configured rate (fixed seed, within 4 sigma)", () => {
    for (const p of [0.05, 0.15, 0.3]) {
      const net = new Network(five, p, new Rng(42));
      let dropped = 0;
      const n = 20000;
      for (let i = 0; i < n; i++) dropped += net.route("0000", "0001").dropped;
      const sigma = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(dropped - n * p)).toBeLessThan(4 * sigma);
    }
  });

  test("broadcast copies are dropped independently", () => {
    const net = new Network(five, 0.5, new Rng(7));
    let delivered = 0;
    let dropped = 0;
    for (let i = 0; i < 2000; i++) {
      const r = net.route("0000", "FFFF");
      expect(r.deliver.length + r.dropped).toBe(4);
      delivered += r.deliver.length;
      dropped += r.dropped;
    }
    expect(Math.abs(delivered - dropped)).toBeLessThan(400);
  });

  test("the same seed drops the same packets", () => {
    const run = () => {
      const net = new Network(five, 0.2, new Rng(9));
      return Array.from({ length: 200 }, () => net.route("0001", "0002").dropped).join("");
    };
    expect(run()).toBe(run());
  });
});

describe("partitions", () => {
  test("exactly the cross traffic is dropped, and nothing else", () => {
    const net = new Network(five, 0, new Rng(3));
    net.partition = new Set(["0000", "0001", "0002"]);
    for (const a of five) {
      for (const b of five) {
        if (a === b) continue;
        const cross = net.partition.has(a) !== net.partition.has(b);
        const r = net.route(a, b);
        expect(r.dropped).toBe(cross ? 1 : 0);
        expect(r.counted).toBe(1);
      }
    }
    const bcast = net.route("0003", "FFFF");
    expect(bcast.deliver).toEqual(["0004"]);
    expect(bcast.dropped).toBe(3);
    expect(bcast.counted).toBe(4);
    net.partition = null;
    expect(net.route("0003", "0000").dropped).toBe(0);
  });

  test("the majority has n/2+1 replicas and holds the leader when asked (part_easy)", () => {
    for (let seed = 0; seed < 50; seed++) {
      const withLeader = Network.majority(five, "0003", new Rng(seed));
      expect(withLeader.size).toBe(3);
      expect(withLeader.has("0003")).toBe(true);
      expect(Network.majority(replicaIds(4), undefined, new Rng(seed)).size).toBe(3);
      expect(Network.majority(replicaIds(7), "FFFF", new Rng(seed)).size).toBe(4);
    }
  });

  test("a random majority (part_hard) sometimes leaves the leader out", () => {
    let without = 0;
    for (let seed = 0; seed < 100; seed++) if (!Network.majority(five, undefined, new Rng(seed)).has("0003")) without++;
    expect(without).toBeGreaterThan(10);
    expect(without).toBeLessThan(90);
  });
});
