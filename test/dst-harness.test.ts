// The simulation harness itself: determinism, and invariants that do fire.
import { expect, test } from "bun:test";
import { VirtualCluster } from "../src/dst/cluster.ts";
import { InvariantChecker } from "../src/dst/invariants.ts";
import { CLASSIC_ELECTIONS } from "../src/raft/types.ts";
import { runSeed } from "../src/dst/run.ts";
import { scenarioFor } from "../src/dst/scenario.ts";

test("a seed replays exactly", () => {
  const strip = (r: ReturnType<typeof runSeed>) => ({ ...r, scenario: undefined });
  for (const seed of [3, 17, 101]) expect(strip(runSeed(seed))).toEqual(strip(runSeed(seed)));
});

test("the trace shows messages, timers, faults and replies", () => {
  const lines: string[] = [];
  runSeed(5, { trace: (line) => lines.push(line), mix: "chaos" });
  expect(lines[0]).toStartWith("seed 5:");
  expect(lines.some((l) => / append t\d+/.test(l))).toBe(true);
  expect(lines.some((l) => / timer \(/.test(l))).toBe(true);
  expect(lines.some((l) => / FAULT /.test(l))).toBe(true);
  expect(lines.some((l) => / ok m\d+/.test(l))).toBe(true);
});

test("scenarios vary with the seed and respect overrides", () => {
  const sizes = new Set(Array.from({ length: 50 }, (_, i) => scenarioFor(i).size));
  expect([...sizes].sort()).toEqual([3, 5, 7]);
  const forced = scenarioFor(9, { size: 7, mix: "crashes" });
  expect([forced.size, forced.mix]).toEqual([7, "crashes"]);
  for (let seed = 0; seed < 200; seed++) expect(scenarioFor(seed).network.drop).toBeLessThanOrEqual(0.5);
});

/** A settled 3-replica cluster with a checker watching it. */
function watched(): { cluster: VirtualCluster; checker: InvariantChecker } {
  const cluster = new VirtualCluster({ size: 3, seed: 11, config: CLASSIC_ELECTIONS });
  const checker = new InvariantChecker(cluster);
  cluster.afterEvent = (touched) => checker.check(touched);
  cluster.runUntil(3000);
  expect(checker.violation).toBeUndefined();
  return { cluster, checker };
}

test("log matching fires on a forged divergent entry", () => {
  const { cluster, checker } = watched();
  const leader = cluster.leaders()[0]!;
  const follower = cluster.live().find((r) => r !== leader)!;
  // Same index and term as the leader's next entry, different content.
  follower.raft.log.append({ term: leader.raft.term, key: "x", value: "forged" });
  leader.raft.log.append({ term: leader.raft.term, key: "x", value: "real" });
  checker.check(follower.id);
  checker.check(leader.id);
  expect(checker.violation).toContain("log matching");
});

test("an entry from a term the replica never reached is caught", () => {
  const { cluster, checker } = watched();
  cluster.logOf(cluster.ids[0]!).merge(0, [{ term: 99 }]);
  checker.check(cluster.ids[0]);
  expect(checker.violation).toContain("has term 99 above the replica's term");
});

test("a replica that starts late takes its appointed term 1 as an empty log, and steps down without harm", () => {
  const cluster = new VirtualCluster({ size: 3, seed: 7, config: CLASSIC_ELECTIONS });
  const checker = new InvariantChecker(cluster);
  const late = cluster.ids[0]!; // the lowest ID: term 1's appointed leader
  let ledTermOne = false;
  cluster.afterEvent = (touched) => {
    checker.check(touched);
    const replica = cluster.replica(late);
    if (replica?.raft.role === "leader" && replica.raft.term === 1) ledTermOne = true;
  };
  cluster.crash(late);
  cluster.runUntil(4000);
  const [leader] = cluster.leaders();
  expect(leader!.raft.term).toBeGreaterThanOrEqual(2);
  const acked: string[] = [];
  cluster.onReply = (reply) => void (reply.type === "ok" && acked.push(reply.MID));
  cluster.clientSend({ type: "put", src: "0013", dst: leader!.id, MID: "p1", key: "k", value: "v" });
  cluster.runUntil(4500);
  expect(acked).toEqual(["p1"]);
  // Back at term 0, and deaf until its timer has run out: it leads term 1, in which the
  // others will never follow it, until their answers tell it of theirs.
  cluster.restart(late);
  const policy = cluster.link;
  cluster.link = (from, to, message, random) => (to === late && cluster.now < 6000 ? undefined : policy(from, to, message, random));
  cluster.runUntil(9000);
  expect(ledTermOne).toBe(true);
  expect(checker.violation).toBeUndefined();
  expect(cluster.replica(late)!.raft.role).toBe("follower");
  expect(cluster.leaders().map((r) => r.id)).toEqual([leader!.id]);
  expect(cluster.replica(late)!.raft.log.entry(2)).toMatchObject({ key: "k", value: "v" });
});
