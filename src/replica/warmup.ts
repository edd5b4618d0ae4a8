// JIT warm-up. A replica handles a few hundred packets in a whole run, too few for the
// JavaScript engine to compile its hot paths: each packet is interpreted, and a put's
// four stages (client put, relayed append, answer) each cost a few hundred microseconds
// instead of tens. So before any real traffic (the first election timer is at least
// firstElectionMin away), the binary drives a throwaway in-process cluster through the
// same code (decode, Replica, RaftNode, encode) for a bounded time, in short slices so a
// packet that does arrive is not kept waiting.
import type { ClientReply, ClientRequest } from "../wire/messages.ts";
import { clientPacket, LoopbackCluster } from "./loopback-cluster.ts";

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
 * code), 1000 took the peak RSS from 47 to 60 MB. 300 instead of 800 (twenty-sixth pass,
 * simple-1 and unreliable-2, seeds 1-7, KV_WARMUP alternating): put p50 the same (3.32
 * vs 3.34 ms, 1.89 vs 2.05), the five replicas' CPU 9% lower, peak RSS 5 MB lower; 100
 * was slower (unreliable-2 put p50 2.52 vs 2.32 ms, seeds 1-3).
 */
export const DEFAULT_WARM_UP: WarmUpOptions = { delayMs: 150, operations: 300, budgetMs: 300, sliceMs: 8 };

/** One step of warm-up work per call; false once finished. */
export class WarmUp {
  private readonly cluster: LoopbackCluster;
  private readonly leaderId: string;
  private done = 0;
  private replies = 0;

  constructor(private readonly operations: number) {
    this.cluster = new LoopbackCluster({ size: 5, seed: 1, wire: true, onReply: (reply: ClientReply) => this.onReply(reply) });
    this.leaderId = this.cluster.electLeader().id;
  }

  get completed(): number {
    return this.replies;
  }

  /** Sends one operation and runs the cluster until it is answered. */
  step(): boolean {
    if (this.done >= this.operations) return false;
    const i = this.done++;
    const client = (0x10 + (i % 8)).toString(16).toUpperCase().padStart(4, "0");
    const key = `warm-up-key-${i % 64}`;
    const request: ClientRequest =
      i % 5 === 4
        ? { type: "get", src: client, dst: this.leaderId, MID: `W${i}`, key }
        : { type: "put", src: client, dst: this.leaderId, MID: `W${i}`, key, value: `value-${i}` };
    this.cluster.send(request, clientPacket(request, this.leaderId));
    // Time passes as it does between requests: heartbeats and retransmission timers run.
    this.cluster.runFor(1);
    return true;
  }

  private onReply(reply: ClientReply): void {
    if (reply.type === "ok") this.replies++;
  }
}

/**
 * Runs the warm-up in slices on the event loop; resolves with the operations answered.
 * Nothing of it is kept afterwards: the cluster is garbage once this returns.
 */
export function warmUp(options: WarmUpOptions = DEFAULT_WARM_UP, clock: () => number = () => performance.now()): Promise<number> {
  return new Promise((resolve) => {
    setTimeout(() => {
      const started = clock();
      const warm = new WarmUp(options.operations);
      const slice = () => {
        const sliceStart = clock();
        let more: boolean;
        do more = warm.step();
        while (more && clock() - sliceStart < options.sliceMs);
        if (more && clock() - started < options.budgetMs) setTimeout(slice, 0);
        else resolve(warm.completed);
      };
      slice();
    }, options.delayMs);
  });
}
