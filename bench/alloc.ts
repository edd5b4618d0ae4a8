// Heap bytes allocated per call, read from JavaScriptCore's allocation counter around a
// short loop (short enough that no collection runs inside it and hides the garbage). The
// counter moves in blocks of 64 KiB and the JIT allocates when it compiles, so a lone
// nonzero trial is noise; the median of several, or the mean over a million calls, is
// not: the smallest heap cell is 16 bytes, so a function that allocates on every call
// shows at least 16 B/call, and one that does not shows well under 1 B/call.
import { memoryUsage } from "bun:jsc";

export function bytesPerCall(fn: () => void, calls = 10_000, trials = 5): number {
  for (let i = 0; i < 200_000; i++) fn(); // warm up: let the JIT tier up first (compiling allocates too)
  const perTrial: number[] = [];
  for (let t = 0; t < trials; t++) {
    Bun.gc(true);
    const before = memoryUsage().current;
    for (let i = 0; i < calls; i++) fn();
    perTrial.push((memoryUsage().current - before) / calls);
  }
  perTrial.sort((a, b) => a - b);
  return perTrial[Math.floor(trials / 2)]!;
}
