// One get at the leader, timed alone after the process slept, beside the floor fixture's
// handling of the same packet: the part of a get's latency that is a replica's own work
// (`bun run hops --times` puts it at ~0.07 ms in our binary against the floor's
// ~0.04-0.05 on the real simulator). Ours takes the steps src/main.ts takes for a packet:
// decode, Replica.receive, each outbound message encoded to bytes, the next deadline.
// The floor's are test/fixtures/fixture-replica.ts's: parse the packet text, answer(),
// stringify to bytes. Both run in the same process, in turns, after the same sleeps.
import { answer, type FixtureReplica, type Msg } from "../test/fixtures/fixture-replica.ts";
import { clientPacket, LoopbackCluster } from "../src/replica/loopback-cluster.ts";
import type { Replica } from "../src/replica/replica.ts";
import { percentile } from "../src/sim/stats.ts";
import { encode } from "../src/wire/encode.ts";
import type { GetRequest, PutRequest } from "../src/wire/messages.ts";
import { decode } from "../src/wire/schema.ts";

/** Keys put before timing: gets read them in turn. */
const KEYS = 64;
const CLIENT = "0015";

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
  /** Our steps' medians, from a second set of gets timed step by step. */
  steps: GetSteps;
}

const keyOf = (i: number) => `key${i % KEYS}`.padEnd(32, "k");
const valueOf = (i: number) => (i % KEYS).toString(16).padStart(32, "0");

export class ColdGets {
  private readonly leader: Replica;
  /** The cluster's clock, which stands still from the constructor on: the leader's lease holds for every get. */
  private readonly now: number;
  private readonly floorStore = new Map<string, string>();
  /** What answer() uses of a fixture replica: its identity and a send with no socket behind it. */
  private readonly floorReplica: Pick<FixtureReplica, "id" | "leader" | "isLeader" | "send">;
  /** The floor fixture's replies, as bytes (what its socket would write). */
  private readonly floorReplies: Uint8Array[] = [];
  private sent = 0;
  /** Replies made, ours and the floor's (each checked), and their bytes: no step is left unused. */
  replies = 0;
  replyBytes = 0;

  constructor() {
    const net = new LoopbackCluster({ size: 5, seed: 1, wire: true, onReply: () => {} });
    this.leader = net.electLeader();
    for (let i = 0; i < KEYS; i++) {
      const put: PutRequest = { type: "put", src: CLIENT, dst: this.leader.id, MID: `put${i}`.padEnd(16, "m"), key: keyOf(i), value: valueOf(i) };
      net.send(put, clientPacket(put, this.leader.id));
      net.runFor(1);
      this.floorStore.set(keyOf(i), valueOf(i));
    }
    this.now = net.now;
    this.floorReplica = {
      id: this.leader.id,
      leader: this.leader.id,
      isLeader: true,
      // PacketSocket.send's own first step: the packet text to bytes.
      send: (msg) => this.floorReplies.push(Buffer.from(JSON.stringify(msg))) > 0,
    };
    for (let i = 0; i < 2_000; i++) {
      this.ours(this.nextPacket());
      this.floor(this.nextPacket());
    }
  }

  private nextPacket(): Uint8Array {
    const i = this.sent++;
    const get: GetRequest = { type: "get", src: CLIENT, dst: this.leader.id, MID: `get${i}`.padEnd(16, "g"), key: keyOf(i) };
    return clientPacket(get, this.leader.id);
  }

  /** Our leader's steps for one get packet; throws unless it answered `ok` with the value. */
  ours(packet: Uint8Array, steps?: GetSteps): void {
    const t0 = steps ? performance.now() : 0;
    const decoded = decode(packet);
    if (!decoded.ok) throw new Error(`cold gets: ${decoded.reason}`);
    const t1 = steps ? performance.now() : 0;
    this.leader.receive(decoded.message, this.now);
    const t2 = steps ? performance.now() : 0;
    const out = this.leader.takeOutbox();
    for (const message of out) this.replyBytes += Buffer.from(encode(message, this.leader.leader)).length;
    const t3 = steps ? performance.now() : 0;
    const deadline = this.leader.nextDeadline();
    if (steps) {
      const t4 = performance.now();
      steps.decode = (t1 - t0) * 1000;
      steps.receive = (t2 - t1) * 1000;
      steps.encode = (t3 - t2) * 1000;
      steps.deadline = (t4 - t3) * 1000;
    }
    const reply = out[0];
    const key = decoded.message.type === "get" ? decoded.message.key : "";
    if (out.length !== 1 || reply?.type !== "ok" || reply.value !== this.floorStore.get(key) || Number.isNaN(deadline)) {
      throw new Error(`cold gets: our leader did not answer the get of ${key} ok with its value`);
    }
    this.replies++;
  }

  /** The floor fixture's steps for one get packet. */
  floor(packet: Uint8Array): void {
    // fixture-replica.ts's onPacket, word for word.
    const msg = JSON.parse(Buffer.from(packet).toString("utf8")) as Msg;
    answer(msg, this.floorReplica, this.floorStore);
    const reply = this.floorReplies.pop();
    if (reply === undefined || this.floorReplies.length > 0) throw new Error("cold gets: the floor fixture did not answer once");
    this.replyBytes += reply.length;
    this.replies++;
  }

  /** `count` gets of each, in turns, each after `gapMs` asleep. */
  async sample(count: number, gapMs: number): Promise<GetSample> {
    const ours: number[] = [];
    const floor: number[] = [];
    const split: GetSteps[] = [];
    for (let k = 0; k < count; k++) {
      for (const which of ["ours", "floor", "steps"] as const) {
        const packet = this.nextPacket();
        if (gapMs > 0) await Bun.sleep(gapMs);
        if (which === "steps") {
          const steps: GetSteps = { decode: 0, receive: 0, encode: 0, deadline: 0 };
          this.ours(packet, steps);
          split.push(steps);
          continue;
        }
        const start = performance.now();
        if (which === "ours") this.ours(packet);
        else this.floor(packet);
        (which === "ours" ? ours : floor).push((performance.now() - start) * 1000);
      }
    }
    const step = (name: keyof GetSteps) => percentile(split.map((s) => s[name]), 50);
    return {
      oursUs: percentile(ours, 50),
      floorUs: percentile(floor, 50),
      steps: { decode: step("decode"), receive: step("receive"), encode: step("encode"), deadline: step("deadline") },
    };
  }
}
