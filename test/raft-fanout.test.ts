// How many followers a new entry goes to, and the loss estimate behind it.
import { describe, expect, test } from "bun:test";
import { fanout, LossEstimate } from "../src/raft/fanout.ts";
import { configFromEnv } from "../src/config-env.ts";
import { DEFAULT_CONFIG } from "../src/raft/types.ts";

describe("fanout", () => {
  test("without loss, exactly a quorum", () => {
    expect(fanout(2, 4, 0, 0.6)).toBe(2);
    expect(fanout(10, 20, 0, 0.9)).toBe(10);
  });

  test("more followers as round trips fail, never more than there are", () => {
    const counts = [0, 0.1, 0.3, 0.5, 0.7].map((failure) => fanout(2, 4, failure, 0.6));
    for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeGreaterThanOrEqual(counts[i - 1]!);
    expect(counts[0]).toBe(2);
    expect(counts[2]).toBe(3); // P(2 of 2 at 0.7) = 0.49 < 0.6; P(2 of 3) = 0.78
    expect(fanout(2, 4, 0.99, 0.6)).toBe(4);
  });

  test("the loss estimate falls with failures and recovers with successes", () => {
    const loss = new LossEstimate(2, 1);
    expect(loss.delivery).toBe(1);
    loss.record(false, 2);
    expect(loss.pathSuccess(2)).toBeCloseTo(0.5);
    loss.record(false, 2);
    expect(loss.pathSuccess(2)).toBeCloseTo(0.25);
    loss.record(true, 2);
    expect(loss.pathSuccess(2)).toBeCloseTo(0.625);
  });

  test("chains and round trips over the same network give the same per-message rate", () => {
    // Each message arrives with probability 0.7: a round trip gets through 49% of the
    // time, a chain 34.3%. Fed either, the estimate finds 0.7 per message.
    for (const hops of [2, 3]) {
      const loss = new LossEstimate(1000, 1);
      const rate = 0.7 ** hops;
      // A deterministic sequence with the right long-run success rate.
      let credit = 0;
      for (let i = 0; i < 20000; i++) {
        credit += rate;
        const delivered = credit >= 1;
        if (delivered) credit -= 1;
        loss.record(delivered, hops);
      }
      expect(loss.delivery).toBeCloseTo(0.7, 1);
    }
  });

  test("a new estimate averages its first outcomes plainly", () => {
    const loss = new LossEstimate(50, 1);
    for (let i = 0; i < 9; i++) loss.record(i % 3 === 0, 2);
    // 1 (the starting point) + 3 successes out of 10 outcomes.
    expect(loss.pathSuccess(2)).toBeCloseTo(0.4);
    // With a stronger prior, the same outcomes move it less.
    const cautious = new LossEstimate(50, 8);
    for (let i = 0; i < 9; i++) cautious.record(i % 3 === 0, 2);
    expect(cautious.pathSuccess(2)).toBeCloseTo(11 / 17);
  });

  test("all lost: nothing gets through, and no NaN", () => {
    const loss = new LossEstimate(1, 1);
    loss.record(false, 3);
    expect(loss.delivery).toBe(0);
    expect(loss.pathSuccess(2)).toBe(0);
    const slow = new LossEstimate(50);
    for (let i = 0; i < 300; i++) slow.record(false, 3);
    expect(slow.delivery).toBeLessThan(0.15);
  });
});

describe("KV_RAFT", () => {
  test("absent or empty: the defaults", () => {
    expect(configFromEnv(undefined)).toEqual({ ok: true, config: DEFAULT_CONFIG });
    expect(configFromEnv(" ")).toEqual({ ok: true, config: DEFAULT_CONFIG });
  });

  test("overrides are merged and validated", () => {
    const result = configFromEnv('{"heartbeatInterval":300}');
    expect(result.ok && result.config.heartbeatInterval).toBe(300);
    expect(configFromEnv("{").ok).toBe(false);
    expect(configFromEnv('{"heartbeatInterval":"x"}')).toMatchObject({ ok: false, error: expect.stringContaining("heartbeatInterval") });
    expect(configFromEnv('{"unknownKnob":1}').ok).toBe(false);
    // A lease as long as the election timeout would be unsafe: refused.
    expect(configFromEnv(`{"leaseDuration":${DEFAULT_CONFIG.electionTimeoutMin}}`)).toMatchObject({ ok: false, error: expect.stringContaining("lease") });
  });
});
