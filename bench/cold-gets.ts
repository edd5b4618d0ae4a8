// One get at the leader, timed alone after the process slept, beside the floor fixture's
// handling of the same packet: the part of a get's latency that is a replica's own work
// (`bun run hops --times` puts it at ~0.07 ms in our binary against the floor's
// ~0.04-0.05 on the real simulator). Ours takes the steps src/main.ts takes for a packet:
// decode, Replica.receive, each outbound message encoded to bytes, the next deadline.
// The floor's are test/fixtures/fixture-replica.ts's: parse the packet text, answer(),
// stringify to bytes. Both run in the same process, in turns, after the same sleeps.
import { answer, parsePacket, type FixtureReplica } from "../test/fixtures/fixture-replica.ts";
import { clientPacket } from "../src/replica/loopback-cluster.ts";
import { percentile } from "../src/sim/stats.ts";
import { encode } from "../src/wire/encode.ts";
import type { GetRequest } from "../src/wire/messages.ts";
import { decode } from "../src/wire/schema.ts";
import type { ColdPuts } from "./cold.ts";

/** Puts made before timing, so that the gets have keys to read (ColdPuts cycles through 64). */
const PUTS_FIRST = 64;
/** Gets of each kind before timing: both compiled hot, so a row measures the sleep only. */
const WARM_UP = 2_000;

/** Microseconds of each of our steps, one get's worth each. */
export interface GetSteps {
  decode: number;
  receive: number;
  encode: number;
  deadline: number;
}

export interface GetSample {
  /** Medians in microseconds, ours and the floor's, each get timed alone. */
  oursUs: number;
  floorUs: number;
  /** Our steps' medians, from a third set of gets timed step by step. */
  steps: GetSteps;
}

export class ColdGets {
  /** The keys put, read in turn. */
  private readonly keys: string[];
  /** The floor fixture's store: what the puts told their clients. */
  private readonly floorStore: Map<string, string>;
  /** What answer() uses of a fixture replica: its identity and a send with no socket behind it. */
  private readonly floorReplica: Pick<FixtureReplica, "id" | "leader" | "isLeader" | "send">;
  /** The floor fixture's replies, as bytes (what its socket would write). */
  private readonly floorReplies: Uint8Array[] = [];
  private sent = 0;
  /** Replies made and checked, ours and the floor's. */
  replies = 0;

  /** Gets at `puts`'s leader, whose clock stands still between puts: its lease holds for every get. */
  constructor(private readonly puts: ColdPuts) {
    for (let i = 0; i < PUTS_FIRST; i++) puts.put();
    this.keys = [...puts.acknowledged.keys()];
    this.floorStore = new Map(puts.acknowledged);
    const id = puts.leader.id;
    this.floorReplica = {
      id,
      leader: id,
      isLeader: true,
      // PacketSocket.send's own first step: the packet text to bytes.
      send: (msg) => this.floorReplies.push(Buffer.from(JSON.stringify(msg))) > 0,
    };
    for (let i = 0; i < WARM_UP; i++) {
      this.ours(this.nextPacket());
      this.floor(this.nextPacket());
    }
  }

  private nextPacket(): Uint8Array {
    const i = this.sent++;
    const leader = this.puts.leader.id;
    const get: GetRequest = { type: "get", src: "0015", dst: leader, MID: `get${i}`.padEnd(16, "g"), key: this.keys[i % this.keys.length]! };
    return clientPacket(get, leader);
  }

  /** Our leader's steps for one get packet; throws unless it answered `ok` with the value put. */
  ours(packet: Uint8Array, steps?: GetSteps): void {
    const leader = this.puts.leader;
    const t0 = steps ? performance.now() : 0;
    const decoded = decode(packet);
    if (!decoded.ok) throw new Error(`cold gets: ${decoded.reason}`);
    const t1 = steps ? performance.now() : 0;
    leader.receive(decoded.message, this.puts.now);
    const t2 = steps ? performance.now() : 0;
    const out = leader.takeOutbox();
    for (const message of out) Buffer.from(encode(message, leader.leader));
    const t3 = steps ? performance.now() : 0;
    leader.nextDeadline();
    if (steps) {
      const t4 = performance.now();
      steps.decode = (t1 - t0) * 1000;
      steps.receive = (t2 - t1) * 1000;
      steps.encode = (t3 - t2) * 1000;
      steps.deadline = (t4 - t3) * 1000;
    }
    const reply = out[0];
    const key = decoded.message.type === "get" ? decoded.message.key : "";
    if (out.length !== 1 || reply?.type !== "ok" || reply.value !== this.puts.acknowledged.get(key)) {
      throw new Error(`cold gets: our leader did not answer the get of ${key} ok with its value`);
    }
    this.replies++;
  }

  /** The floor fixture's steps for one get packet. */
  floor(packet: Uint8Array): void {
    // fixture-replica.ts's onPacket: its parse, then answer().
    answer(parsePacket(packet), this.floorReplica, this.floorStore);
    if (this.floorReplies.pop() === undefined || this.floorReplies.length > 0) throw new Error("cold gets: the floor fixture did not answer once");
    this.replies++;
  }

  /** `count` gets of each (ours, the floor's, ours step by step), in turns, each after `gapMs` asleep. */
  async sample(count: number, gapMs: number): Promise<GetSample> {
    const ours: number[] = [];
    const floor: number[] = [];
    const split: GetSteps[] = [];
    const asleep = async (): Promise<Uint8Array> => {
      const packet = this.nextPacket();
      if (gapMs > 0) await Bun.sleep(gapMs);
      return packet;
    };
    const timed = (run: () => void): number => {
      const start = performance.now();
      run();
      return (performance.now() - start) * 1000;
    };
    for (let k = 0; k < count; k++) {
      const first = await asleep();
      ours.push(timed(() => this.ours(first)));
      const second = await asleep();
      floor.push(timed(() => this.floor(second)));
      const steps: GetSteps = { decode: 0, receive: 0, encode: 0, deadline: 0 };
      this.ours(await asleep(), steps);
      split.push(steps);
    }
    const step = (name: keyof GetSteps) => percentile(split.map((s) => s[name]), 50);
    return {
      oursUs: percentile(ours, 50),
      floorUs: percentile(floor, 50),
      steps: { decode: step("decode"), receive: step("receive"), encode: step("encode"), deadline: step("deadline") },
    };
  }
}
