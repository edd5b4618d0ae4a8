// The whole run logic (SPEC §3) in-process: a fake host stands in for sockets and
// processes, and a tiny in-memory store plays the replicas where a test needs answers.
import { describe, expect, test } from "bun:test";
import { parseScenario } from "../src/sim/scenario.ts";
import { Simulation, type SimHost } from "../src/sim/simulation.ts";
import { buildReport } from "../src/sim/report.ts";
import { judge } from "../src/sim/verdict.ts";

const enc = (x: unknown) => new TextEncoder().encode(typeof x === "string" ? x : JSON.stringify(x));
const dec = (p: string | Uint8Array) => JSON.parse(typeof p === "string" ? p : new TextDecoder().decode(p)) as Record<string, unknown>;

function scenario(extra: Record<string, unknown> = {}) {
  return parseScenario({ lifetime: 10, replicas: 5, requests: 40, mix: 0.5, start_wait: 1, end_wait: 1, ...extra }, "test.json", "test");
}

class FakeHost implements SimHost {
  readonly delivered: { rid: string; msg: Record<string, unknown> }[] = [];
  readonly killed: string[] = [];
  readonly disconnected = new Set<string>();
  deliver(rid: string, packet: string | Uint8Array): boolean {
    if (this.disconnected.has(rid)) return false;
    this.delivered.push({ rid, msg: dec(packet) });
    return true;
  }
  kill(rid: string): void {
    this.killed.push(rid);
  }
  take(): { rid: string; msg: Record<string, unknown> }[] {
    return this.delivered.splice(0);
  }
}

/** Replica 0000 is the store; the others redirect to it; each put is broadcast once. */
const stores = new WeakMap<Simulation, Map<string, unknown>>();
function serve(sim: Simulation, host: FakeHost, now: number, leader = "0000"): void {
  const store = stores.get(sim) ?? new Map<string, unknown>();
  stores.set(sim, store);
  for (let round = 0; round < 10; round++) {
    const batch = host.take().filter((d) => d.msg.type === "get" || d.msg.type === "put");
    if (batch.length === 0) return;
    for (const { rid, msg } of batch) {
      const reply = { src: rid, dst: msg.src, leader, MID: msg.MID };
      if (rid !== leader) sim.onPacket(rid, enc({ ...reply, type: "redirect" }), now);
      else if (msg.type === "get") sim.onPacket(rid, enc({ ...reply, type: "ok", value: store.get(String(msg.key)) }), now);
      else {
        store.set(String(msg.key), msg.value);
        sim.onPacket(rid, enc({ ...reply, type: "ok" }), now);
        sim.onPacket(rid, enc({ src: rid, dst: "FFFF", leader, type: "append" }), now);
      }
    }
  }
}

/** Runs the whole timetable, answering at once, in 10 ms steps. */
function runAll(sim: Simulation, host: FakeHost, answer = true): void {
  for (let t = 0; !sim.checkStop(t); t += 0.01) {
    sim.runDue(t);
    if (answer) serve(sim, host, t);
    else host.take();
  }
  sim.finish(sim.scenario.lifetime);
}

describe("a whole run in-process", () => {
  test("a correct store passes; requests are spread over [start_wait, lifetime-end_wait]", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario({ requests: 300, mix: 0.2 }), 11, host);
    const times: number[] = [];
    const original = sim.runDue.bind(sim);
    sim.runDue = (t) => {
      const before = sim.stats.totalGet + sim.stats.totalPut;
      original(t);
      if (sim.stats.totalGet + sim.stats.totalPut > before) times.push(t);
    };
    runAll(sim, host);
    const v = judge(sim.scenario, sim.stats, sim.died.size);
    expect(v.checks.filter((c) => !c.ok)).toEqual([]);
    expect(v.correct).toBe(true);
    expect(sim.stats.incorrect + sim.stats.malformed + sim.stats.duplicates).toBe(0);
    expect(sim.stats.unansweredGet + sim.stats.unansweredPut).toBe(0);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...times)).toBeLessThan(9);
    // every committed put made one broadcast, counted n-1 = 4
    expect(sim.stats.totalMsgs).toBe(4 * sim.stats.committedPuts);
    expect(sim.stats.leaders).toEqual(["0000"]);
    expect(v.tiers).toEqual([]);
  });

  test("the same seed gives the same request sequence", () => {
    const sequence = () => {
      const host = new FakeHost();
      const sim = new Simulation(scenario(), 5, host);
      const seen: string[] = [];
      for (let t = 0; !sim.checkStop(t); t += 0.01) {
        sim.runDue(t);
        for (const d of host.delivered) if (d.msg.type === "get" || d.msg.type === "put") seen.push(`${d.msg.src}:${d.msg.type}:${d.msg.key}:${d.msg.MID}`);
        serve(sim, host, t);
      }
      return seen;
    };
    const a = sequence();
    expect(a.length).toBeGreaterThanOrEqual(40);
    expect(sequence()).toEqual(a);
  });

  test("unanswered requests are counted at the end", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario({ requests: 30 }), 3, host);
    runAll(sim, host, false);
    expect(sim.stats.unansweredGet + sim.stats.unansweredPut).toBe(30);
    expect(sim.stats.unansweredPut).toBe(sim.stats.totalPut);
    const v = judge(sim.scenario, sim.stats, 0);
    expect(v.correct).toBe(false);
    expect(v.checks.find((c) => c.name === "at least one key stored")?.ok).toBe(false);
    // The report names each of them, oldest first, with the replica it went to.
    const report = buildReport(sim, "none", sim.scenario.lifetime, []);
    expect(report.unanswered).toHaveLength(30);
    expect(report.unanswered.map((u) => u.sentAt)).toEqual(report.unanswered.map((u) => u.sentAt).toSorted((a, b) => a - b));
    expect(report.unanswered.filter((u) => u.type === "put")).toHaveLength(sim.stats.unansweredPut);
    for (const u of report.unanswered) expect(sim.living.has(u.to)).toBe(true);
    expect(report.duplicateReplies).toEqual([]);
  });
});

describe("counting and checks", () => {
  test("a broadcast from a replica counts n-1 and reaches the others, dead ones counted too", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario(), 1, host);
    sim.onPacket("0001", enc({ src: "0001", dst: "FFFF", leader: "FFFF", type: "vote" }), 0.1);
    expect(sim.stats.totalMsgs).toBe(4);
    expect(host.take().map((d) => d.rid)).toEqual(["0000", "0002", "0003", "0004"]);
    sim.onReplicaGone("0003", "test", 0.2);
    sim.onPacket("0001", enc({ src: "0001", dst: "FFFF", leader: "FFFF", type: "vote" }), 0.3);
    expect(sim.stats.totalMsgs).toBe(8);
    expect(host.take().map((d) => d.rid)).toEqual(["0000", "0002", "0004"]);
  });

  test("malformed packets are each counted and not routed", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario(), 1, host);
    const bad = [
      "garbage",
      "[]",
      JSON.stringify({ src: "0001", dst: "0002", type: "x" }),
      JSON.stringify({ src: "0001", dst: "0002", leader: "1", type: "x" }),
      JSON.stringify({ src: "0001", dst: "ABCD", leader: "FFFF", type: "x" }),
      JSON.stringify({ src: "0001", dst: "0002", leader: "FFFF", type: "x", pad: "y".repeat(17000) }),
    ];
    for (const b of bad) sim.onPacket("0001", enc(b), 0.1);
    expect(sim.stats.malformed).toBe(bad.length);
    expect(sim.stats.totalMsgs).toBe(0);
    expect(host.delivered).toEqual([]);
    expect(sim.problems.some((p) => p.text.includes("unknown destination ABCD"))).toBe(true);
    expect(judge(sim.scenario, sim.stats, 0).checks.find((c) => c.name === "no malformed packets")?.ok).toBe(false);
  });

  test("a replica that goes away on its own died; the run fails", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario(), 1, host);
    sim.onReplicaGone("0002", "its process exited with code 1", 0.5);
    expect([...sim.died.keys()]).toEqual(["0002"]);
    expect(sim.living.has("0002")).toBe(false);
    sim.onReplicaGone("0002", "again", 0.6); // counted once
    expect(sim.died.size).toBe(1);
    expect(judge(sim.scenario, sim.stats, sim.died.size).checks.find((c) => c.name === "no replica died")?.ok).toBe(false);
  });

  test("routing to a replica that has not connected kills it and counts it as died", () => {
    const host = new FakeHost();
    host.disconnected.add("0004");
    const sim = new Simulation(scenario(), 1, host);
    sim.onPacket("0000", enc({ src: "0000", dst: "0004", leader: "0000", type: "append" }), 0.05);
    expect(sim.died.has("0004")).toBe(true);
    expect(host.killed).toEqual(["0004"]);
    expect(sim.killed.size).toBe(0);
  });

  test("the run stops at max_packets, and when no replica is left", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario({ max_packets: 100 }), 1, host);
    for (let i = 0; i < 30 && !sim.stopReason; i++) sim.onPacket("0000", enc({ src: "0000", dst: "FFFF", leader: "0000", type: "hb" }), 0.1);
    expect(sim.stopReason).toBe("max_packets");
    expect(sim.stats.totalMsgs).toBe(100);
    const sim2 = new Simulation(scenario(), 1, new FakeHost());
    for (const r of ["0000", "0001", "0002", "0003", "0004"]) sim2.onReplicaGone(r, "gone", 0.1);
    expect(sim2.stopReason).toBe("no replica alive");
  });
});

describe("events", () => {
  const hb = (src: string, leader: string) => enc({ src, dst: "FFFF", leader, type: "hb" });

  test("kill_leader kills the recorded leader and makes clients forget it", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario({ requests: 0, events: [{ type: "kill_leader", time: 2 }] }), 1, host);
    sim.onPacket("0003", hb("0003", "0003"), 0.5);
    for (const c of sim.clients) c.leader = "0003";
    sim.runDue(3.5);
    expect(host.killed).toEqual(["0003"]);
    expect([...sim.killed]).toEqual(["0003"]);
    expect(sim.died.size).toBe(0);
    expect(sim.leader).toBe("FFFF");
    expect(sim.clients.every((c) => c.leader === "FFFF")).toBe(true);
  });

  test("kill_non_leader never picks the leader", () => {
    for (let seed = 0; seed < 20; seed++) {
      const host = new FakeHost();
      const sim = new Simulation(scenario({ requests: 0, events: [{ type: "kill_non_leader", time: 1 }, { type: "kill_non_leader", time: 2 }] }), seed, host);
      sim.onPacket("0002", hb("0002", "0002"), 0.5);
      sim.runDue(5);
      expect(host.killed).toHaveLength(2);
      expect(host.killed).not.toContain("0002");
    }
  });

  test("part_easy keeps the leader on the majority side; only majority packets set the leader", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario({ requests: 0, events: [{ type: "part_easy", time: 1 }, { type: "part_end", time: 2 }] }), 4, host);
    sim.onPacket("0001", hb("0001", "0001"), 0.5);
    sim.runDue(2.5);
    const majority = sim.network.partition!;
    expect(majority.has("0001")).toBe(true);
    const minority = ["0000", "0002", "0003", "0004"].find((r) => !majority.has(r))!;
    host.take();
    sim.onPacket(minority, hb(minority, minority), 2.6);
    expect(sim.leader).toBe("0001"); // minority claims are not recorded
    expect(host.take().map((d) => d.rid).filter((r) => majority.has(r))).toEqual([]);
    sim.runDue(3.5);
    expect(sim.network.partition).toBeNull();
  });

  test("part_hard makes the leader unknown and the clients forget it", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario({ requests: 0, events: [{ type: "part_hard", time: 1 }] }), 4, host);
    sim.onPacket("0001", hb("0001", "0001"), 0.5);
    for (const c of sim.clients) c.leader = "0001";
    sim.runDue(2.5);
    expect(sim.network.partition?.size).toBe(3);
    expect(sim.leader).toBe("FFFF");
    expect(sim.clients.every((c) => c.leader === "FFFF")).toBe(true);
  });

  test("leader changes and time without a known leader are measured from start_wait", () => {
    const host = new FakeHost();
    const sim = new Simulation(scenario({ requests: 0 }), 1, host);
    sim.onPacket("0000", hb("0000", "0000"), 0.5); // before start_wait: not counted
    sim.onPacket("0000", hb("0000", "FFFF"), 2);
    sim.onPacket("0001", hb("0001", "0001"), 2.5);
    sim.onPacket("0001", hb("0001", "FFFF"), 4);
    sim.finish(5);
    expect(sim.leaderChanges).toBe(1);
    expect(sim.leaderlessTime).toBeCloseTo(1.5, 6);
    expect(sim.stats.leaders).toEqual(["0000", "FFFF", "0001", "FFFF"]);
  });
});
