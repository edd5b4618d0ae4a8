// Simulated clients that race on a few shared keys, like the course simulator's clients:
// each has one request in flight, retries through redirect and fail with a new MID, and
// gives up on a request that gets no answer in time. Every attempt is one operation of the
// recorded history; only an `ok` makes its outcome definite.
import { hexId } from "../sim/ids.ts";
import type { HistoryRecorder } from "../check/index.ts";
import { pick, type Random } from "../util/prng.ts";
import type { ClientReply } from "../wire/messages.ts";
import type { NodeId, VirtualCluster } from "./cluster.ts";
import type { Scenario } from "./scenario.ts";

interface Attempt {
  client: SimClient;
  opId: number;
  kind: "get" | "put";
  key: string;
  sentAt: number;
  /** The first reply's sender and type, if any. */
  answeredBy: { src: NodeId; type: ClientReply["type"] } | undefined;
}

interface SimClient {
  id: NodeId;
  leader: NodeId | undefined;
  /** The MID of the request this client waits on, if any. */
  current: string | undefined;
  /** Non-ok replies in a row: after a few the client backs off briefly. */
  misses: number;
  /** Definite answers received since `countFrom`. */
  oks: number;
}

export class Clients {
  private readonly clients: SimClient[] = [];
  private readonly attempts = new Map<string, Attempt>();
  private nextMid = 0;
  private nextValue = 0;
  private stopped = false;
  /** Set on a client-visible protocol violation (a second or unknown reply). */
  violation: string | undefined;
  /** All attempts sent. */
  sent = 0;
  /**
   * Second `ok`s for a put, from a later leader than the one that answered first. The
   * replica accepts these by design (commit 35ab3a9: a successor answers the puts above the
   * commit index it inherited; the predecessor may have answered one already). Counted,
   * like the course simulator's `duplicates`, not a violation unless `strictReplies`.
   */
  successorDuplicates = 0;
  /** Attempts given up after `clientTimeout` without any reply (outcome unknown). */
  abandoned = 0;
  strictReplies = false;

  constructor(
    private readonly cluster: VirtualCluster,
    private readonly scenario: Scenario,
    private readonly history: HistoryRecorder,
    private readonly random: Random,
    private readonly log: ((line: string) => void) | undefined,
  ) {
    // Client IDs follow the simulator's: n+16 onward in hex.
    for (let i = 0; i < scenario.clients; i++) {
      const id = hexId(scenario.size + 16 + i);
      this.clients.push({ id, leader: undefined, current: undefined, misses: 0, oks: 0 });
    }
    cluster.onReply = (reply, now) => this.onReply(reply, now);
  }

  start(at: number): void {
    for (const client of this.clients) this.cluster.at(at + this.random() * this.scenario.thinkMax, () => this.begin(client));
  }

  /** Clients send nothing new after this. */
  stop(): void {
    this.stopped = true;
  }

  /** Is `mid` one of ours (and not, say, a fuzzer's)? */
  owns(mid: string): boolean {
    return this.attempts.has(mid);
  }

  /** Zero every client's count of definite answers (start of the liveness phase). */
  resetCounts(): void {
    for (const client of this.clients) client.oks = 0;
  }

  /** Did every client get at least `n` definite answers since resetCounts()? */
  allAnswered(n: number): boolean {
    return this.clients.every((client) => client.oks >= n);
  }

  /** Starts a new operation: a get, or a put of a value never written before. */
  private begin(client: SimClient): void {
    if (this.stopped) return;
    const key = `k${Math.floor(this.random() * this.scenario.keys)}`;
    if (this.random() < this.scenario.getRatio) this.send(client, "get", key, undefined);
    else this.send(client, "put", key, `${client.id}.${this.nextValue++}`);
  }

  private send(client: SimClient, kind: "get" | "put", key: string, value: string | undefined): void {
    const cluster = this.cluster;
    const mid = `m${this.nextMid++}`;
    const live = cluster.ids.filter((id) => !cluster.isCrashed(id));
    const dst = client.leader !== undefined && !cluster.isCrashed(client.leader) ? client.leader : pick(this.random, live.length > 0 ? live : cluster.ids);
    const opId = this.history.invoke(client.id, kind, key, value, cluster.now);
    this.attempts.set(mid, { client, opId, kind, key, sentAt: cluster.now, answeredBy: undefined });
    client.current = mid;
    this.sent++;
    if (kind === "get") cluster.clientSend({ type: "get", src: client.id, dst, MID: mid, key });
    else cluster.clientSend({ type: "put", src: client.id, dst, MID: mid, key, value: value! });
    cluster.at(cluster.now + this.scenario.clientTimeout, () => {
      if (client.current !== mid) return;
      this.log?.(`${cluster.now.toFixed(1)} client ${client.id} gives up on ${mid}`);
      this.abandoned++;
      this.history.fail(opId);
      client.leader = undefined;
      client.current = undefined;
      this.begin(client);
    });
  }

  private onReply(reply: ClientReply, now: number): void {
    const attempt = this.attempts.get(reply.MID);
    if (attempt === undefined) {
      this.violation ??= `reply for unknown MID ${reply.MID} from ${reply.src}`;
      return;
    }
    const first = attempt.answeredBy;
    if (first !== undefined) {
      const successor = attempt.kind === "put" && reply.type === "ok" && first.type === "ok" && first.src !== reply.src;
      if (successor && !this.strictReplies) this.successorDuplicates++;
      else this.violation ??= `second reply for MID ${reply.MID}: ${first.type} from ${first.src}, then ${reply.type} from ${reply.src}`;
      return;
    }
    attempt.answeredBy = { src: reply.src, type: reply.type };
    const client = attempt.client;
    const current = client.current === reply.MID;
    if (reply.type === "ok") {
      // A late answer to an abandoned attempt still counts: it bounds when the op took effect.
      this.history.complete(attempt.opId, now, attempt.kind === "get" ? { value: reply.value ?? "" } : {});
      client.oks++;
      if (!current) return;
      client.leader = reply.src;
      client.misses = 0;
      client.current = undefined;
      this.cluster.at(now + this.random() * this.scenario.thinkMax, () => this.begin(client));
      return;
    }
    this.history.fail(attempt.opId);
    if (!current) return;
    client.current = undefined;
    client.leader = reply.type === "redirect" && this.cluster.ids.includes(reply.leader) ? reply.leader : undefined;
    // Retry the same operation as a new one: new MID, and for a put a new value, so the
    // checker can tell which attempt took effect. Pause after a run of misses (no storm).
    client.misses++;
    const pause = client.misses >= 3 ? 20 + this.random() * 100 : 0;
    const { kind, key } = attempt;
    this.cluster.at(now + pause, () => {
      if (this.stopped || client.current !== undefined) return;
      this.send(client, kind, key, kind === "put" ? `${client.id}.${this.nextValue++}` : undefined);
    });
  }
}
