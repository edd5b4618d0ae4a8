// DeadlineTimer: the replica's one timer follows the Raft core's next deadline both ways
// and never fires before it (Bun's setTimeout drops a delay's fraction of a millisecond).
import { describe, expect, test } from "bun:test";
import { DeadlineTimer, type TimerRuntime } from "../src/net/deadline-timer.ts";

/** A runtime that only records: which delays were set, which handles cleared, and fires on demand. */
function fakeRuntime() {
  const pending = new Map<number, () => void>();
  const delays: number[] = [];
  const cleared: number[] = [];
  let next = 0;
  const runtime: TimerRuntime = {
    set(callback, delayMs) {
      delays.push(delayMs);
      pending.set(++next, callback);
      return next;
    },
    clear(handle) {
      cleared.push(handle as number);
      pending.delete(handle as number);
    },
  };
  const fireAll = () => {
    const due = [...pending.values()];
    pending.clear();
    for (const callback of due) callback();
  };
  return { runtime, delays, cleared, pending, fireAll };
}

describe("DeadlineTimer with a fake runtime", () => {
  test("rounds a fractional delay up, never down", () => {
    const fake = fakeRuntime();
    const timer = new DeadlineTimer(() => {}, fake.runtime);
    timer.arm(10.2, 0);
    timer.arm(20, 10.5);
    timer.arm(30.0001, 25);
    expect(fake.delays).toEqual([11, 10, 6]);
  });

  test("follows the deadline later as well as earlier, one pending timer at a time", () => {
    const fake = fakeRuntime();
    const timer = new DeadlineTimer(() => {}, fake.runtime);
    timer.arm(1000, 0); // a heartbeat
    timer.arm(3, 1); // a retransmission: earlier
    timer.arm(1000, 2); // answered: the heartbeat again, later
    expect(fake.delays).toEqual([1000, 2, 998]);
    expect(fake.cleared).toEqual([1, 2]);
    expect(fake.pending.size).toBe(1);
    expect(timer.deadline).toBe(1000);
  });

  test("the same deadline again sets nothing; +Infinity disarms", () => {
    const fake = fakeRuntime();
    const timer = new DeadlineTimer(() => {}, fake.runtime);
    timer.arm(50, 0);
    timer.arm(50, 20);
    expect(fake.delays).toEqual([50]);
    timer.arm(Number.POSITIVE_INFINITY, 21);
    expect(fake.pending.size).toBe(0);
    expect(fake.delays).toEqual([50]);
    expect(timer.deadline).toBe(Number.POSITIVE_INFINITY);
  });

  test("a deadline already passed fires on the next turn (delay 0), -Infinity too", () => {
    const fake = fakeRuntime();
    const timer = new DeadlineTimer(() => {}, fake.runtime);
    timer.arm(5, 9.5);
    // A follower never sent to has its resend due at -Infinity: due now, not never.
    timer.arm(Number.NEGATIVE_INFINITY, 10);
    expect(fake.delays).toEqual([0, 0]);
    expect(fake.pending.size).toBe(1);
  });

  test("NaN arms nothing", () => {
    const fake = fakeRuntime();
    const timer = new DeadlineTimer(() => {}, fake.runtime);
    timer.arm(Number.NaN, 0);
    expect(fake.delays).toEqual([]);
    expect(fake.pending.size).toBe(0);
  });

  test("firing disarms before the callback runs, so the callback can arm again", () => {
    const fake = fakeRuntime();
    let calls = 0;
    const timer: DeadlineTimer = new DeadlineTimer(() => {
      calls++;
      expect(timer.deadline).toBe(Number.POSITIVE_INFINITY);
      timer.arm(100, 40);
    }, fake.runtime);
    timer.arm(40, 0);
    fake.fireAll();
    expect(calls).toBe(1);
    expect(timer.deadline).toBe(100);
    expect(fake.delays).toEqual([40, 60]);
    expect(fake.cleared).toEqual([]);
  });
});

describe("DeadlineTimer on Bun's own timers", () => {
  /** Arms for `at` (performance.now() time) and resolves with the time it fired. */
  function firedAt(at: number): Promise<number> {
    return new Promise((resolve) => new DeadlineTimer(() => resolve(performance.now())).arm(at, performance.now()));
  }

  test("never fires before a fractional deadline", async () => {
    for (const delay of [0.4, 1.5, 2.7, 3.2, 4.9]) {
      const deadline = performance.now() + delay;
      const fired = await firedAt(deadline);
      expect(fired, `armed ${delay} ms ahead`).toBeGreaterThanOrEqual(deadline);
    }
  });

  test("a deadline moved later does not fire at the earlier one", async () => {
    const start = performance.now();
    let timer!: DeadlineTimer;
    // The first fire is the one that counts: left armed, the earlier deadline would come first.
    const fired = new Promise<number>((resolve) => {
      timer = new DeadlineTimer(() => resolve(performance.now()));
    });
    timer.arm(start + 2, start);
    timer.arm(start + 25, performance.now());
    expect(await fired).toBeGreaterThanOrEqual(start + 25);
  });
});
