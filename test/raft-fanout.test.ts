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

  test("the loss estimate rises with failures and decays with successes", () => {
    const loss = new LossEstimate(0.5);
    loss.recordFailure();
    expect(loss.value).toBe(0.5);
    loss.recordFailure();
    expect(loss.value).toBe(0.75);
    loss.recordSuccess();
    expect(loss.value).toBe(0.375);
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
