// `bun run hops`'s resend count: which of the leader's appends were sent again before
// their answer was acted on, and why (a loss, a late answer, an answer not yet read).
import { describe, expect, test } from "bun:test";
import { formatResends, summarizeResends } from "../src/sim/resends.ts";
import { loadScenario, withLifetime } from "../src/sim/scenario.ts";
import { parseTrace, type Traced } from "../src/sim/trace.ts";
import { runVirtual } from "../src/sim/virtual-run.ts";

const entry = (index: number) => [1, `k${index}`, "v", "0015", `m${index}`];

/** The leader 0000's append at `at` ms: along a chain when `end` is given, else direct. */
function send(at: number, first: string, end: string | undefined, prevIndex: number, count: number): Traced {
  const entries = Array.from({ length: count }, (_, i) => entry(prevIndex + 1 + i));
  return { at, dir: "from", id: "0000", msg: { src: "0000", dst: first, type: "append", prevIndex, sentAt: at, entries, ...(end ? { relayTo: end } : {}) } };
}

/** An answer reaching 0000 at `at` for the send made at `sentAt`; `relayedFor`: answering for that follower too. */
function answer(at: number, from: string, sentAt: number, match: number, relayedFor?: string, success = true): Traced {
  return { at, dir: "to", id: "0000", msg: { src: from, dst: "0000", type: "appended", success, match, sentAt, ...(relayedFor ? { relay: { peer: relayedFor, match } } : {}) } };
}

describe("resends", () => {
  test("each resend is told apart: after a loss, before a late answer, after an unread answer", () => {
    const trace: Traced[] = [
      // Answered, never resent.
      send(0, "0001", "0002", 0, 1),
      { at: 0.3, dir: "from", id: "0001", msg: { src: "0001", dst: "0002", type: "append", prevIndex: 0, relay: { leader: "0000", match: 1 }, entries: [entry(1)] } },
      answer(1, "0002", 0, 1, "0001"),
      // Lost, then resent along the chain turned round, and that answered.
      send(10, "0001", "0002", 1, 1),
      answer(11, "0001", 10, 0, undefined, false),
      send(14, "0002", "0001", 1, 1),
      answer(15, "0001", 14, 2, "0002"),
      // Resent at 24, and the first send's answer came at 27 after all.
      send(20, "0003", undefined, 2, 1),
      send(24, "0003", undefined, 2, 1),
      answer(25, "0003", 24, 3),
      answer(27, "0003", 20, 3),
      // Answered at 31, resent at 31.5 with nothing new: the answer was still unread.
      send(30, "0001", "0002", 3, 1),
      answer(31, "0002", 30, 4, "0001"),
      send(31.5, "0002", "0001", 3, 1),
      // Answered, then a new entry for the same chain 20 ms later: not a resend.
      send(40, "0001", "0002", 4, 1),
      answer(41, "0002", 40, 5, "0001"),
      send(60, "0001", "0002", 4, 2),
    ];
    const s = summarizeResends(trace);
    expect(s).toMatchObject({ sends: 9, answered: 6, resent: 3, afterLoss: 1, beforeLateAnswer: 1, afterUnreadAnswer: 1 });
    expect(s.chainRoundTrip).toEqual({ count: 4, p50: 1, p90: 1, p99: 1 });
    // Nearest rank, as every p50/p90/p99 the reports print: of 1 and 7 ms, p50 is 1.
    expect(s.directRoundTrip).toEqual({ count: 2, p50: 1, p90: 7, p99: 7 });
    expect(formatResends(s)).toContain("sent again before their answer was acted on: 3: after a loss 1, before a late answer 1, after the answer had reached the leader 1");
  });

  test("a chain is answered only by one of its two, for the other: not by one alone, nor by another chain sent at the same time", () => {
    const s = summarizeResends([
      send(0, "0001", "0002", 0, 1),
      send(0, "0003", "0004", 0, 1),
      answer(1, "0001", 0, 1),
      answer(1, "0004", 0, 1, "0003"),
      send(5, "0001", "0002", 0, 1),
    ]);
    expect(s).toMatchObject({ sends: 3, answered: 1, resent: 1, afterLoss: 1 });
  });

  test("on virtual time no send is resent before a late answer: round trips there are far under the timer", () => {
    const lines: string[] = [];
    const seed = 7;
    runVirtual(withLifetime(loadScenario("unreliable-2"), 6), seed, { trace: (line) => lines.push(line) });
    const s = summarizeResends(parseTrace(lines));
    expect(s.sends, `seed ${seed}`).toBeGreaterThan(50);
    expect(s.afterLoss, `seed ${seed}`).toBeGreaterThan(0);
    expect(s.beforeLateAnswer, `seed ${seed}`).toBe(0);
    expect(s.chainRoundTrip.p99, `seed ${seed}`).toBeLessThan(1);
  });
});
