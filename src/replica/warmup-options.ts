// The warm-up's settings (warmup.ts), apart from the warm-up itself: src/main.ts checks
// KV_WARMUP before it connects, and must not load the Raft core to do it (serve.ts).
export interface WarmUpOptions {
  /** Wait this long first: replicas started together are still starting, leave them the CPU. */
  readonly delayMs: number;
  /** Client operations to run through the cluster (each a put, or a get of a put key). */
  readonly operations: number;
  /** Stop after this much wall-clock time in all, done or not. */
  readonly budgetMs: number;
  /** Longest stretch of work before yielding to the event loop. */
  readonly sliceMs: number;
}

/**
 * Measured on simple-2 and crash-1, seeds 1-3 (bun run suite ... --floor): put p50 1.11 ms
 * without, 0.85 ms with 1000 operations; each operation costs resident memory (compiled
 * code), 1000 took the peak RSS from 47 to 60 MB, so a few less keep a margin under 64.
 */
export const DEFAULT_WARM_UP: WarmUpOptions = { delayMs: 150, operations: 800, budgetMs: 300, sliceMs: 8 };
