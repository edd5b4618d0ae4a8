// A replica's CPU split by thread, read from /proc (Linux only, as the simulator's figures are).
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
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

  test.skipIf(!existsSync("/proc/self/task"))("a thread's time is counted as ended once its thread is gone", async () => {
    const before = readProcUsage(process.pid).cpuByThread!;
    // 150 ms of work on a thread of its own, which ends when the worker is terminated.
    const source = "const t = performance.now(); while (performance.now() - t < 150); postMessage(0);";
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "application/javascript" })));
    await new Promise((resolve) => (worker.onmessage = resolve));
    const closed = new Promise((resolve) => worker.addEventListener("close", resolve));
    worker.terminate();
    await closed;
    let after = readProcUsage(process.pid).cpuByThread!;
    for (let tries = 0; tries < 100 && (after.ended ?? 0) < 0.12; tries++) {
      await Bun.sleep(10); // the thread may outlive its close event by a moment
      after = readProcUsage(process.pid).cpuByThread!;
    }
    expect(after.ended ?? 0).toBeGreaterThanOrEqual(0.12 + (before.ended ?? 0));
  });

  test.skipIf(!existsSync("/proc/self/task"))("a process none of whose threads has ended shows none as ended", () => {
    // A fresh process (this one's earlier threads may really have ended): live threads
    // are read exactly, so nothing of theirs goes to "ended" for being rounded to ticks.
    const script = `import { readProcUsage } from ${JSON.stringify(join(import.meta.dir, "../src/sim/procstat.ts"))};
      const started = process.cpuUsage().user;
      while (process.cpuUsage().user - started < 100_000);
      console.log(JSON.stringify(readProcUsage(process.pid)));`;
    const run = Bun.spawnSync([process.execPath, "-e", script], { stderr: "pipe" });
    expect(run.exitCode).toBe(0);
    const usage = JSON.parse(run.stdout.toString());
    expect(usage.cpuByThread.main).toBeGreaterThanOrEqual(0.1);
    expect(usage.cpuByThread.ended).toBeUndefined();
  });
});
