// A replica's CPU split by thread, read from /proc (Linux only, as the simulator's figures are).
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { MAIN_THREAD, readProcUsage, threadName } from "../src/sim/procstat.ts";

describe("CPU by thread", () => {
  test("numbered threads of one pool share a name; a name with spaces is kept whole", () => {
    expect(threadName("123 (Bun Pool 3) S 1 2 3")).toBe("Bun Pool");
    expect(threadName("124 (JITWorker) S 1 2 3")).toBe("JITWorker");
    expect(threadName("125 (mi-scavenger) S 1 2 3")).toBe("mi-scavenger");
    expect(threadName("126 (a) b) S 1 2 3")).toBe("a) b");
  });

  test.skipIf(!existsSync("/proc/self/task"))("this process's threads add up to its CPU time, the busy loop on the main thread", () => {
    const started = process.cpuUsage().user;
    while (process.cpuUsage().user - started < 80_000); // 80 ms on this thread
    const usage = readProcUsage(process.pid);
    const split = usage.cpuByThread!;
    expect(split[MAIN_THREAD]).toBeGreaterThanOrEqual(0.07);
    const sum = Object.values(split).reduce((a, b) => a + b, 0);
    // The total and the threads are read one after the other: a tick or two apart at most.
    expect(Math.abs(sum - usage.cpuSeconds!)).toBeLessThanOrEqual(0.03);
  });
});
