// `bun run replay --where` (src/sim/message-places.ts): a run's replica messages by kind
// and by where they went. The counts must add up to the simulator's own total_msgs, and a
// message across a partition's cut or to a killed replica is one the network lost.
import { describe, expect, test } from "bun:test";
import type { AppendRequest, LogEntry, RaftMessage } from "../src/raft/types.ts";
import { kindOf, MessagePlaces, placeOf, type NetworkView } from "../src/sim/message-places.ts";
import { Network } from "../src/sim/network.ts";
import { Rng } from "../src/sim/prng.ts";
import { loadScenario } from "../src/sim/scenario.ts";
import { metricOf } from "../src/sim/summary.ts";
import { runVirtual } from "../src/sim/virtual-run.ts";

const append = (extra: Partial<AppendRequest> = {}): AppendRequest => ({
  type: "append",
  src: "0000",
  dst: "0001",
  term: 2,
  quiet: false,
  prevIndex: 4,
  prevTerm: 2,
  entries: [],
  commit: 4,
  sentAt: 10,
  ...extra,
});

describe("where a message went", () => {
  const ids = ["0000", "0001", "0002", "0003", "0004"];
  const living = new Set(ids);
  const whole = new Network(ids, 0, Rng.stream(1, "network"));
  const partitioned = new Network(ids, 0, Rng.stream(1, "network"));
  partitioned.partition = new Set(["0000", "0001", "0002"]);
  const cut: NetworkView = { network: partitioned, living };

  test("by the partition's sides, and to a killed replica before anything else", () => {
    expect(placeOf("0000", "0003", { network: whole, living })).toBe("whole");
    expect(placeOf("0000", "0001", cut)).toBe("majority side");
    expect(placeOf("0003", "0004", cut)).toBe("minority side");
    expect(placeOf("0000", "0004", cut)).toBe("across from majority");
    expect(placeOf("0004", "0000", cut)).toBe("across from minority");
    const withoutOne = new Set([...living].filter((id) => id !== "0004"));
    expect(placeOf("0000", "0004", { network: whole, living: withoutOne })).toBe("to a killed one");
    expect(placeOf("0000", "0004", { ...cut, living: withoutOne })).toBe("to a killed one");
  });

  test("kinds tell chains, relays, direct sends and empty appends apart", () => {
    const entry: LogEntry = { term: 2, key: "k", value: "v", client: "C001", mid: "m1" };
    expect(kindOf(append({ entries: [entry], relayTo: "0002" }))).toBe("append chain");
    expect(kindOf(append({ entries: [entry], relay: { leader: "0000", match: 4 } }))).toBe("append relayed");
    expect(kindOf(append({ entries: [entry] }))).toBe("append direct");
    expect(kindOf(append())).toBe("append direct, empty");
    const answer: RaftMessage = { type: "appended", src: "0002", dst: "0000", term: 2, success: false, match: 0, hintIndex: 3, hintTerm: 1, sentAt: 10 };
    expect(kindOf(answer)).toBe("appended, refused");
    expect(kindOf({ ...answer, success: true, relay: { peer: "0001", match: 5 } })).toBe("appended for a chain");
    const vote: RaftMessage = { type: "vote", src: "0003", dst: "0000", term: 3, pre: true, lastIndex: 5, lastTerm: 2 };
    expect(kindOf(vote)).toBe("pre-vote");
    expect(kindOf({ ...vote, pre: false })).toBe("vote");
    const voted: RaftMessage = { type: "voted", src: "0000", dst: "0003", term: 3, pre: false, granted: false, commit: 5, told: 5, ackTerm: 2, acked: 5 };
    expect(kindOf(voted)).toBe("vote answer, refused");
  });

  test("a broadcast counts once for every other replica, as total_msgs counts it", () => {
    const places = new MessagePlaces();
    places.add("0000", append({ dst: "FFFF" }), [...living], cut);
    expect(places.total()).toBe(4);
    expect(places.total("majority side")).toBe(2);
    expect(places.total("across from majority")).toBe(2);
  });
});

describe("a virtual run's messages by place", () => {
  const counted = (name: string, seed: number) => {
    const places = new MessagePlaces();
    const report = runVirtual(loadScenario(name), seed, { places });
    return { places, report };
  };

  test("add up to total_msgs, and what crossed a cut or went to a killed replica was dropped", () => {
    for (const [name, seed] of [["advanced-4", 1], ["advanced-4", 2], ["advanced-2", 1], ["advanced-1", 3]] as const) {
      const { places, report } = counted(name, seed);
      const label = `${name} seed ${seed}`;
      expect(places.total(), label).toBe(metricOf(report, "total_msgs"));
      const lost = places.total("across from majority") + places.total("across from minority") + places.total("to a killed one");
      expect(lost, `${label}: lost for certain`).toBeGreaterThan(0);
      expect(lost, `${label}: at most what the network dropped`).toBeLessThanOrEqual(report.stats.totalDrops);
    }
  });

  test("partitions are seen only where a scenario has them, kills only where it kills", () => {
    const quiet = counted("simple-2", 1).places;
    expect(quiet.total("whole")).toBe(quiet.total());
    const killed = counted("advanced-2", 1).places;
    expect(killed.total("to a killed one")).toBeGreaterThan(0);
    expect(killed.total("majority side") + killed.total("minority side")).toBe(0);
    const cut = counted("partition-3", 1).places;
    expect(cut.total("majority side")).toBeGreaterThan(0);
    expect(cut.total("to a killed one")).toBe(0);
  });

  test("the table has a row per kind and the totals last", () => {
    const { places } = counted("advanced-4", 1);
    const lines = places.format(1).split("\n");
    expect(lines[0]).toContain("across from minority");
    expect(lines.at(-1)).toMatch(new RegExp(`^total .* ${places.total().toFixed(1)}$`));
  });
});
