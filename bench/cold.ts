// How much dearer the same work gets after the process has slept: one put through the
// in-process cluster (src/replica/loopback-cluster.ts, every packet encoded and decoded:
// the JavaScript a real put costs its three replicas, without sockets), timed alone
// after idle gaps like the official scenarios' (simple-2 puts ~65 ms apart, simple-1
// ~260 ms). On the host of docs/performance.md ("Thirty-first pass") this, and not the
// code's hot speed (`bun run bench`), is what a sparse put's latency is made of; run it
// on another host to see whether its caches forget as fast. With a timer that re-runs a
// put during the gap, it also shows what keeping a replica warm would buy and cost.
// Then a get at the leader beside the floor fixture's (cold-gets.ts): whether the part of
// a get's latency that is a replica's own work is our code or the process around it.
import { parseArgs } from "node:util";
import { clientPacket, LoopbackCluster } from "../src/replica/loopback-cluster.ts";
import { percentile } from "../src/sim/stats.ts";
import { ColdGets } from "./cold-gets.ts";
import type { Replica } from "../src/replica/replica.ts";
import type { ClientReply, PutRequest } from "../src/wire/messages.ts";

const GAPS_MS = [0, 1, 5, 20, 65, 260];
/** A get's gaps: back to back, and simple-1's and simple-2's gaps between a leader's requests and its gets. */
const GET_GAPS_MS = [0, 65, 260];
const WARMING = [
  { gapMs: 260, everyMs: 5 },
  { gapMs: 260, everyMs: 20 },
];

interface Sample {
  readonly medianUs: number;
  readonly p90Us: number;
  /** Process CPU per wall-clock second while sampling (the gaps included). */
  readonly cpuMsPerSecond: number;
}

export class ColdPuts {
  private readonly net: LoopbackCluster;
  /** The cluster's leader, elected before the first put (cold-gets.ts reads from it too). */
  readonly leader: Replica;
  /** Each key's value as its last put answered `ok` told the client. */
  readonly acknowledged = new Map<string, string>();
  private okReplies = 0;
  private sent = 0;

  constructor() {
    const onReply = (reply: ClientReply): void => {
      if (reply.type === "ok") this.okReplies++;
    };
    this.net = new LoopbackCluster({ size: 5, seed: 1, wire: true, onReply });
    this.leader = this.net.electLeader();
  }

  /** The cluster's clock, which moves only while a put runs. */
  get now(): number {
    return this.net.now;
  }

  /** Puts answered `ok` so far (the warming timer's and the timed ones alike). */
  get answered(): number {
    return this.okReplies;
  }

  /** One put, from the client's packet to its `ok`, every replica's step included. */
  put(): void {
    const i = this.sent++;
    const leader = this.leader.id;
    const request: PutRequest = { type: "put", src: "0015", dst: leader, MID: `cold${i}`.padEnd(16, "m"), key: `key${i % 64}`.padEnd(32, "k"), value: i.toString(16).padStart(32, "0") };
    const before = this.answered;
    this.net.send(request, clientPacket(request, leader));
    this.net.runFor(1);
    if (this.answered !== before + 1) throw new Error(`cold bench: put ${i} was not answered ok`);
    this.acknowledged.set(request.key, request.value);
  }

  /** `count` puts, each timed alone after `gapMs` asleep (and a put every `warmEveryMs` meanwhile, if set). */
  async sample(count: number, gapMs: number, warmEveryMs?: number): Promise<Sample> {
    const warming = warmEveryMs === undefined ? undefined : setInterval(() => this.put(), warmEveryMs);
    const times: number[] = [];
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    try {
      for (let k = 0; k < count; k++) {
        if (gapMs > 0) await Bun.sleep(gapMs);
        const start = performance.now();
        this.put();
        times.push((performance.now() - start) * 1000);
      }
    } finally {
      if (warming !== undefined) clearInterval(warming);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const wall = performance.now() - wallBefore;
    // CPU in µs over wall time in ms: ms of CPU per second.
    return { medianUs: percentile(times, 50), p90Us: percentile(times, 90), cpuMsPerSecond: (cpu.user + cpu.system) / wall };
  }
}

export async function coldReport(count: number, print: (line: string) => void = console.log): Promise<void> {
  const puts = new ColdPuts();
  for (let i = 0; i < 20_000; i++) puts.put();
  print(`one put's JavaScript (5 replicas in-process, every packet encoded and decoded), timed alone after the process slept; ${count} puts a row`);
  let hot = 0;
  for (const gap of GAPS_MS) {
    const s = await puts.sample(count, gap);
    if (gap === 0) hot = s.medianUs;
    print(`  asleep ${String(gap).padStart(3)} ms before each put            median ${s.medianUs.toFixed(1).padStart(6)} µs  p90 ${s.p90Us.toFixed(1).padStart(6)} µs  ${(s.medianUs / hot).toFixed(1).padStart(5)}× the hot median`);
  }
  for (const { gapMs, everyMs } of WARMING) {
    const plain = await puts.sample(count, gapMs);
    const warm = await puts.sample(count, gapMs, everyMs);
    print(
      `  asleep ${gapMs} ms, a put re-run every ${String(everyMs).padStart(2)} ms meanwhile  median ${warm.medianUs.toFixed(1).padStart(6)} µs  p90 ${warm.p90Us.toFixed(1).padStart(6)} µs  ` +
        `(without: ${plain.medianUs.toFixed(1)} µs); CPU ${warm.cpuMsPerSecond.toFixed(1)} ms/s against ${plain.cpuMsPerSecond.toFixed(1)}`,
    );
  }
  const gets = new ColdGets(puts);
  print(`one get at the leader (src/main.ts's steps: decode, Replica.receive, encode, next deadline) beside the floor fixture's (parse, answer, stringify), in turns; ${count} gets of each a row`);
  for (const gap of GET_GAPS_MS) {
    const s = await gets.sample(count, gap);
    const { decode, receive, encode, deadline } = s.steps;
    print(
      `  asleep ${String(gap).padStart(3)} ms before each get   ours ${s.oursUs.toFixed(1).padStart(6)} µs  floor ${s.floorUs.toFixed(1).padStart(6)} µs  ${(s.oursUs / s.floorUs).toFixed(2)}×;  ` +
        `ours step by step: decode ${decode.toFixed(1)}, receive ${receive.toFixed(1)}, encode ${encode.toFixed(1)}, deadline ${deadline.toFixed(1)} µs`,
    );
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { count: { type: "string", default: "25" } } });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 5) {
    console.error(`cold: --count must be an integer ≥ 5, got ${JSON.stringify(values.count)}`);
    process.exit(2);
  }
  await coldReport(count);
}
