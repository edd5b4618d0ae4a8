// One simulated client (SPEC §3.3, §3.6): generates gets and puts, tracks its leader,
// retries on redirect/fail with a new MID, and judges every reply against what it knows
// (each key has exactly one writer: the client that created it).
import { createHash } from "node:crypto";
import { UNKNOWN_LEADER } from "./ids.ts";
import type { ReplicaMessage } from "./packet.ts";
import type { Rng } from "./prng.ts";
import type { Stats } from "./stats.ts";

export interface ClientRequest {
  src: string;
  dst: string;
  leader: string;
  type: "get" | "put";
  MID: string;
  key: string;
  value?: string;
}

interface Pending {
  get: boolean;
  key: string;
  value: string | undefined;
  sentAt: number;
  /** The replica it was sent to. */
  dst: string;
}

/** A request no reply answered by the end of the run (it counts as unanswered). */
export interface UnansweredRequest {
  client: string;
  MID: string;
  type: "get" | "put";
  key: string;
  /** Seconds since the run's start. */
  sentAt: number;
  to: string;
}

/** A reply for a MID that had already been answered `ok` (it counts as a duplicate). */
export interface DuplicateReply {
  client: string;
  MID: string;
  /** Seconds since the run's start. */
  at: number;
  from: string;
}

/** What a reply did: a retry to send, and/or a problem to report. */
export interface ReplyOutcome {
  retry?: ClientRequest;
  problem?: string;
}

export function md5Hex(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

export class Client {
  leader = UNKNOWN_LEADER;
  /** Keys this client has put, with the value of the last acknowledged put. */
  readonly items = new Map<string, string>();
  readonly pending = new Map<string, Pending>();
  private readonly completed = new Set<string>();
  /** Every duplicate reply, in the order they came: which puts a successor answered again. */
  readonly duplicateReplies: DuplicateReply[] = [];

  constructor(
    readonly id: string,
    private readonly rng: Rng,
    private readonly stats: Stats,
  ) {}

  forget(): void {
    this.leader = UNKNOWN_LEADER;
  }

  /** A new request (SPEC §3.3); `living` is never empty (the run stops when it is). */
  createRequest(wantGet: boolean, living: readonly string[], now: number): ClientRequest {
    if (wantGet) {
      if (this.items.size > 0) return this.send(true, this.rng.pick([...this.items.keys()]), undefined, living, now);
      this.stats.getGenerationFailures++;
      if (this.awaitsPut()) this.stats.getGenerationFailuresAwaitingPut++;
    }
    if (this.items.size === 0 || this.rng.next() < 0.5) {
      const key = this.rng.string(32);
      return this.send(false, key, md5Hex(key), living, now);
    }
    const key = this.rng.pick([...this.items.keys()]);
    return this.send(false, key, md5Hex(this.items.get(key)!), living, now);
  }

  /** Judges one reply addressed to this client. */
  deliver(msg: ReplicaMessage, living: readonly string[], now: number): ReplyOutcome {
    const mid = msg.MID;
    if (typeof mid !== "string") {
      this.stats.incorrect++;
      return { problem: "reply without a MID" };
    }
    if (msg.type !== "ok" && msg.type !== "fail" && msg.type !== "redirect") {
      this.stats.incorrect++;
      return { problem: `unknown reply type ${JSON.stringify(msg.type)}` };
    }
    if (this.completed.has(mid)) {
      this.stats.duplicates++;
      this.duplicateReplies.push({ client: this.id, MID: mid, at: now, from: msg.src });
      return {};
    }
    const req = this.pending.get(mid);
    if (!req) {
      this.stats.incorrect++;
      return { problem: `reply with an unexpected MID ${mid}` };
    }
    this.pending.delete(mid);
    if (typeof msg.leader === "string") this.leader = msg.leader;
    (req.get ? this.stats.latencies.get : this.stats.latencies.put).push(now - req.sentAt);

    if (msg.type !== "ok") {
      if (msg.type === "fail") req.get ? this.stats.failedGet++ : this.stats.failedPut++;
      this.stats.redirects++;
      return { retry: this.send(req.get, req.key, req.value, living, now) };
    }
    this.completed.add(mid);
    if (!req.get) {
      this.items.set(req.key, req.value!);
      this.stats.committedPuts++;
      return {};
    }
    if (!("value" in msg)) {
      this.stats.incorrect++;
      return { problem: `get() reply without a value (MID ${mid})` };
    }
    const expected = this.items.get(req.key);
    if (msg.value !== expected) {
      this.stats.incorrect++;
      return { problem: `incorrect value for key ${req.key}: got ${JSON.stringify(msg.value)}, expected ${JSON.stringify(expected)}` };
    }
    return {};
  }

  private awaitsPut(): boolean {
    for (const req of this.pending.values()) if (!req.get) return true;
    return false;
  }

  /** The requests still waiting for a reply, oldest first (the order they were sent in). */
  unanswered(): UnansweredRequest[] {
    return [...this.pending].map(([MID, req]) => ({ client: this.id, MID, type: req.get ? ("get" as const) : ("put" as const), key: req.key, sentAt: req.sentAt, to: req.dst }));
  }

  /** Requests still waiting at the end count as unanswered. */
  finalize(): void {
    for (const req of this.pending.values()) req.get ? this.stats.unansweredGet++ : this.stats.unansweredPut++;
  }

  private send(get: boolean, key: string, value: string | undefined, living: readonly string[], now: number): ClientRequest {
    get ? this.stats.totalGet++ : this.stats.totalPut++;
    const mid = this.rng.string(16);
    const dst = this.destination(living);
    this.pending.set(mid, { get, key, value, sentAt: now, dst });
    const msg: ClientRequest = { src: this.id, dst, leader: this.leader, type: get ? "get" : "put", MID: mid, key };
    if (!get) msg.value = value!;
    return msg;
  }

  /** The last known leader if it is alive, else a random living replica. */
  private destination(living: readonly string[]): string {
    if (this.leader === UNKNOWN_LEADER || !living.includes(this.leader)) {
      this.leader = UNKNOWN_LEADER;
      return this.rng.pick(living);
    }
    return this.leader;
  }
}
