// The client side of SPEC §3.3 and §3.6: generation, retries, and judging replies.
import { describe, expect, test } from "bun:test";
import { Client, md5Hex, type ClientRequest } from "../src/sim/client.ts";
import { parsePacket } from "../src/sim/packet.ts";
import { Rng } from "../src/sim/prng.ts";
import { newStats } from "../src/sim/stats.ts";

const living = ["0000", "0001", "0002"];

function setup() {
  const stats = newStats();
  return { stats, client: new Client("0013", new Rng(5), stats) };
}

function ok(req: ClientRequest, extra: Record<string, unknown> = {}) {
  return { src: req.dst, dst: req.src, leader: "0000", type: "ok", MID: req.MID, ...extra };
}

describe("generation", () => {
  test("a get without keys fails to generate and becomes a put of a new key", () => {
    const { stats, client } = setup();
    const req = client.createRequest(true, living, 0);
    expect(req.type).toBe("put");
    expect(stats.getGenerationFailures).toBe(1);
    expect(req.key).toHaveLength(32);
    expect(req.value).toBe(md5Hex(req.key));
    expect(req.MID).toHaveLength(16);
    expect(living).toContain(req.dst);
  });

  test("a get that fails to generate while the client's put awaits its answer is told apart", () => {
    const { stats, client } = setup();
    client.createRequest(true, living, 0); // before any put: the scenario's draw
    expect(stats).toMatchObject({ getGenerationFailures: 1, getGenerationFailuresAwaitingPut: 0 });
    client.createRequest(true, living, 0.1); // the put made of the first get still waits
    expect(stats).toMatchObject({ getGenerationFailures: 2, getGenerationFailuresAwaitingPut: 1 });
  });

  test("gets ask for a key this client has put; updates hash the previous value", () => {
    const { stats, client } = setup();
    const put = client.createRequest(false, living, 0);
    client.deliver(ok(put), living, 0.001);
    const get = client.createRequest(true, living, 0.002);
    expect(get.type).toBe("get");
    expect(get.key).toBe(put.key);
    expect(get.dst).toBe("0000"); // learned from the reply
    let update: ClientRequest | undefined;
    for (let i = 0; i < 50 && !update; i++) {
      const p = client.createRequest(false, living, 0.003);
      if (p.key === put.key) update = p;
    }
    expect(update?.value).toBe(md5Hex(put.value!));
    expect(stats.totalGet).toBe(1);
  });

  test("the same seed makes the same requests", () => {
    const seq = () => {
      const { client } = setup();
      return Array.from({ length: 20 }, (_, i) => {
        const r = client.createRequest(i % 3 === 0, living, i);
        return `${r.type}:${r.key}:${r.MID}:${r.dst}`;
      });
    };
    expect(seq()).toEqual(seq());
  });
});

describe("replies", () => {
  test("a duplicate ok counts as a duplicate, not as incorrect", () => {
    const { stats, client } = setup();
    const put = client.createRequest(false, living, 0);
    client.deliver(ok(put), living, 0.001);
    client.deliver(ok(put), living, 0.002);
    expect(stats.duplicates).toBe(1);
    expect(stats.incorrect).toBe(0);
    expect(stats.latencies.put).toHaveLength(1);
    expect(client.duplicateReplies).toEqual([{ client: "0013", MID: put.MID, at: 0.002, from: put.dst }]);
  });

  test("an unknown MID is incorrect", () => {
    const { stats, client } = setup();
    const out = client.deliver({ src: "0000", dst: "0013", leader: "0000", type: "ok", MID: "NOPE" }, living, 0);
    expect(stats.incorrect).toBe(1);
    expect(out.problem).toContain("unexpected MID");
  });

  test("a wrong value, a missing value, a missing MID and an unknown type are incorrect", () => {
    const { stats, client } = setup();
    const put = client.createRequest(false, living, 0);
    client.deliver(ok(put), living, 0);
    const g1 = client.createRequest(true, living, 0);
    client.deliver(ok(g1, { value: "wrong" }), living, 0);
    const g2 = client.createRequest(true, living, 0);
    client.deliver(ok(g2), living, 0);
    client.deliver({ src: "0000", dst: "0013", leader: "0000", type: "ok" }, living, 0);
    const g3 = client.createRequest(true, living, 0);
    client.deliver({ ...ok(g3), type: "weird" }, living, 0);
    expect(stats.incorrect).toBe(4);
    const g4 = client.createRequest(true, living, 0);
    client.deliver(ok(g4, { value: put.value }), living, 0);
    expect(stats.incorrect).toBe(4);
  });

  test("redirect and fail are retried at once with a new MID; fail also counts as a failure", () => {
    const { stats, client } = setup();
    const put = client.createRequest(false, living, 0);
    const r1 = client.deliver({ src: put.dst, dst: "0013", leader: "0002", type: "redirect", MID: put.MID }, living, 0.01).retry!;
    expect(r1.MID).not.toBe(put.MID);
    expect(r1.dst).toBe("0002");
    expect([r1.key, r1.value]).toEqual([put.key, put.value]);
    const r2 = client.deliver({ src: "0002", dst: "0013", leader: "FFFF", type: "fail", MID: r1.MID }, living, 0.02).retry!;
    expect(stats.redirects).toBe(2);
    expect(stats.failedPut).toBe(1);
    expect(stats.totalPut).toBe(3);
    expect(stats.latencies.put).toHaveLength(2);
    client.finalize();
    expect(stats.unansweredPut).toBe(1);
    expect(r2.type).toBe("put");
  });

  test("requests still pending at the end are unanswered", () => {
    const { stats, client } = setup();
    const put = client.createRequest(false, living, 0);
    client.deliver(ok(put), living, 0);
    client.createRequest(true, living, 0);
    client.createRequest(true, living, 0);
    const last = client.createRequest(false, living, 0.5);
    client.finalize();
    expect([stats.unansweredGet, stats.unansweredPut]).toEqual([2, 1]);
    const left = client.unanswered();
    expect(left.map((u) => u.type)).toEqual(["get", "get", "put"]);
    expect(left[2]).toEqual({ client: "0013", MID: last.MID, type: "put", key: last.key, sentAt: 0.5, to: last.dst });
  });

  test("a dead leader is forgotten when choosing the destination", () => {
    const { client } = setup();
    client.leader = "0004";
    expect(living).toContain(client.createRequest(false, living, 0).dst);
    expect(client.leader).toBe("FFFF");
  });
});

describe("packet validation", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  const good = { src: "0000", dst: "0001", leader: "FFFF", type: "x" };
  test("a well-formed packet parses", () => {
    expect(parsePacket(bytes(JSON.stringify(good))).ok).toBe(true);
    expect(parsePacket(bytes(JSON.stringify({ ...good, dst: "0a1f" }))).ok).toBe(true);
  });
  test.each([
    ["not JSON", "{nope", "JSON"],
    ["an array", "[1,2]", "not a JSON object"],
    ["null", "null", "not a JSON object"],
    ["missing type", JSON.stringify({ src: "0000", dst: "0001", leader: "FFFF" }), "missing required field type"],
    ["missing leader", JSON.stringify({ src: "0000", dst: "0001", type: "x" }), "missing required field leader"],
    ["short leader", JSON.stringify({ ...good, leader: "FFF" }), "leader"],
    ["numeric dst", JSON.stringify({ ...good, dst: 1 }), "destination"],
    ["non-hex src", JSON.stringify({ ...good, src: "00G0" }), "source"],
  ])("%s is malformed", (_name, text, reason) => {
    const p = parsePacket(bytes(text));
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toContain(reason);
  });
  test("a packet of 16384 bytes or more is malformed, 16383 is not", () => {
    const make = (size: number) => {
      const base = JSON.stringify({ ...good, pad: "" });
      return bytes(JSON.stringify({ ...good, pad: "x".repeat(size - base.length) }));
    };
    expect(make(16383)).toHaveLength(16383);
    expect(parsePacket(make(16383)).ok).toBe(true);
    expect(parsePacket(make(16384)).ok).toBe(false);
    expect(parsePacket(make(40000)).ok).toBe(false);
  });
});
