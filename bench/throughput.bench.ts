// Committed puts per wall-clock second of the in-process core: five Replicas on the
// synchronous virtual network (src/replica/loopback-cluster.ts), a leader elected, then clients keep
// `window` puts outstanding and we count `ok` replies. Client-side work (building the
// requests) is done before the clock starts.
import type { NodeId } from "../src/raft/types.ts";
import { seededRandom } from "../src/util/prng.ts";
import type { ClientReply, PutRequest } from "../src/wire/messages.ts";
import { hex, randomText } from "./fixtures.ts";
import { clientPacket, LoopbackCluster } from "../src/replica/loopback-cluster.ts";

export interface ThroughputCase {
  readonly window: number;
  readonly wire: boolean;
  /** Puts prepared; the run stops early when `budgetMs` of wall-clock time is used. */
  readonly puts: number;
  readonly budgetMs: number;
}

export interface ThroughputResult {
  readonly acked: number;
  readonly otherReplies: number;
  readonly wallMs: number;
  readonly putsPerSecond: number;
  readonly messagesPerPut: number;
  readonly virtualMs: number;
}

const CLIENTS = 8;
/** Virtual time per round (one window of puts sent, then the network drained). */
const ROUND_MS = 1;

function prepare(count: number, leader: NodeId, wire: boolean): { requests: PutRequest[]; bytes: Uint8Array[] } {
  const random = seededRandom(7);
  const keys = Array.from({ length: 4096 }, () => randomText(random, 32));
  const values = Array.from({ length: 4096 }, () => hex(random, 32));
  const clients = Array.from({ length: CLIENTS }, (_, i) => (0x10 + i).toString(16).toUpperCase().padStart(4, "0"));
  const prefix = randomText(random, 8);
  const requests: PutRequest[] = [];
  for (let i = 0; i < count; i++) {
    requests.push({ type: "put", src: clients[i % CLIENTS]!, dst: leader, MID: prefix + String(i).padStart(8, "0"), key: keys[i & 4095]!, value: values[(i * 7) & 4095]! });
  }
  const bytes = wire ? requests.map((r) => clientPacket(r, leader)) : [];
  return { requests, bytes };
}

export function measureThroughput(c: ThroughputCase): ThroughputResult {
  let acked = 0;
  let otherReplies = 0;
  let outstanding = 0;
  const net = new LoopbackCluster({
    size: 5,
    seed: 1,
    wire: c.wire,
    onReply: (reply: ClientReply) => {
      outstanding--;
      if (reply.type === "ok") acked++;
      else otherReplies++;
    },
  });
  const leader = net.electLeader();
  const { requests, bytes } = prepare(c.puts, leader.id, c.wire);
  const virtualStart = net.now;
  const deliveredStart = net.delivered;
  let sent = 0;
  const start = performance.now();
  let wallMs = 0;
  while (sent < requests.length) {
    while (outstanding < c.window && sent < requests.length) {
      net.send(requests[sent]!, c.wire ? bytes[sent] : undefined);
      sent++;
      outstanding++;
    }
    net.runFor(ROUND_MS);
    wallMs = performance.now() - start;
    if (wallMs > c.budgetMs) break;
  }
  if (net.undecodable > 0) throw new Error("throughput bench: lost packets on a lossless network");
  return {
    acked,
    otherReplies,
    wallMs,
    putsPerSecond: (acked / wallMs) * 1000,
    messagesPerPut: (net.delivered - deliveredStart) / Math.max(1, acked),
    virtualMs: net.now - virtualStart,
  };
}

export const CASES: readonly (ThroughputCase & { readonly label: string })[] = [
  { label: "1 outstanding put, message objects", window: 1, wire: false, puts: 100_000, budgetMs: 2000 },
  { label: "64 outstanding puts, message objects", window: 64, wire: false, puts: 150_000, budgetMs: 2000 },
  { label: "64 outstanding puts, encode+decode every packet", window: 64, wire: true, puts: 150_000, budgetMs: 2000 },
];

export const TARGET_PUTS_PER_SECOND = 100_000;

export function throughputReport(print: (line: string) => void = console.log): void {
  print("");
  print("committed puts per second, in-process core: 5 replicas, synchronous FIFO virtual network, wall clock");
  // Warm-up: the same paths, short, so the JIT has compiled them before we time anything.
  for (const c of CASES) measureThroughput({ ...c, puts: 5_000, budgetMs: 500 });
  for (const c of CASES) {
    Bun.gc(true);
    const r = measureThroughput(c);
    const verdict = r.putsPerSecond >= TARGET_PUTS_PER_SECOND ? "" : `   (below the ${TARGET_PUTS_PER_SECOND.toLocaleString("en-US")}/s aim)`;
    print(
      `  ${c.label.padEnd(48)} ${Math.round(r.putsPerSecond).toLocaleString("en-US").padStart(9)} puts/s` +
        `   (${r.acked.toLocaleString("en-US")} ok in ${r.wallMs.toFixed(0)} ms, ${r.messagesPerPut.toFixed(2)} packets/put` +
        `${r.otherReplies > 0 ? `, ${r.otherReplies} non-ok replies` : ""})${verdict}`,
    );
  }
}

if (import.meta.main) throughputReport();
