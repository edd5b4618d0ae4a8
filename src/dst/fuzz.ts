// Boundary fuzzing: random and mutated packets through decode() and, when they decode,
// into the live replicas of a small cluster that honest clients keep using. Nothing may
// throw, the invariants must hold throughout, and once the fuzzing stops the cluster must
// still answer, linearizably.
//
// Forged but well-formed peer messages are not sent: Raft trusts its peers (no
// authentication, SPEC §1), so an append forged with a current term could rewrite a
// committed entry by design. Peer messages reach the replicas as exact replays of real
// traffic (stale, duplicated, misaddressed), which Raft must survive; mutated peer
// messages that decode are checked not to throw and are then delivered with a term of 0,
// i.e. as stale messages, which exercises every handler's validation path.
import { checkHistory, HistoryRecorder } from "../check/index.ts";
import { pick, seededRandom, type Random } from "../util/prng.ts";
import { encode } from "../wire/encode.ts";
import { isClientRequest, type InboundMessage } from "../wire/messages.ts";
import { decode } from "../wire/schema.ts";
import { Clients } from "./clients.ts";
import { VirtualCluster } from "./cluster.ts";
import { InvariantChecker } from "./invariants.ts";
import { CALM, Network } from "./network.ts";
import { mutate, randomBytes } from "./mutate.ts";
import { scenarioFor } from "./scenario.ts";

export interface FuzzOptions {
  packets: number;
  seed: number;
  /** Packets per injection burst. */
  burst?: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  packets: number;
  rejected: number;
  decoded: number;
  delivered: number;
  replays: number;
  problems: string[];
  summary: string;
}

const CORPUS_SIZE = 400;

export function fuzzBoundary(options: FuzzOptions): FuzzReport {
  const random = seededRandom(options.seed);
  const burst = options.burst ?? 25;
  const scenario = { ...scenarioFor(options.seed, { size: 3, mix: "lossy" }), clients: 3, keys: 2, clientTimeout: 1500, thinkMax: 20 };
  const cluster = new VirtualCluster({ size: 3, seed: options.seed, wire: true });
  const network = new Network(cluster.ids, { ...CALM, drop: 0.05, delayMax: 5 });
  cluster.link = network.policy;
  const history = new HistoryRecorder();
  const clients = new Clients(cluster, scenario, history, seededRandom(options.seed + 1), undefined);
  const honest = cluster.onReply;
  let fuzzReplies = 0;
  cluster.onReply = (reply, now) => {
    if (clients.owns(reply.MID)) honest(reply, now);
    else fuzzReplies++;
  };
  const invariants = new InvariantChecker(cluster);
  const problems: string[] = [];
  const corpus: string[] = [];
  const replays: InboundMessage[] = [];
  cluster.onSend = (from, message) => {
    const packet = encode(message, cluster.replica(from)?.leader);
    if (corpus.length < CORPUS_SIZE) corpus.push(packet);
    else if (random() < 0.05) corpus[Math.floor(random() * CORPUS_SIZE)] = packet;
  };
  cluster.afterEvent = (touched) => invariants.check(touched);

  const report: FuzzReport = { packets: 0, rejected: 0, decoded: 0, delivered: 0, replays: 0, problems, summary: "" };

  const injectOne = (): void => {
    report.packets++;
    const packet = makePacket(random, corpus);
    let result;
    try {
      result = decode(packet);
    } catch (error) {
      problems.push(`decode threw on ${preview(packet)}: ${String(error)}`);
      return;
    }
    if (!result.ok) {
      report.rejected++;
      return;
    }
    report.decoded++;
    const message = result.message;
    const target = pick(random, cluster.ids);
    if (isClientRequest(message)) {
      // A mutation can turn a real reply into a request with an honest client's MID; the
      // replica rightly answers it, so keep fuzzed MIDs apart from the honest ones.
      const request = clients.owns(message.MID) ? { ...message, MID: `fuzz:${message.MID}` } : message;
      deliver(target, random() < 0.8 ? { ...request, dst: target } : request);
      return;
    }
    // A real message, replayed stale or misaddressed: Raft must shrug it off.
    const real = decode(pick(random, corpus));
    if (real.ok && !isClientRequest(real.message) && random() < 0.5) {
      report.replays++;
      deliver(pick(random, cluster.ids), real.message);
    }
    deliver(target, { ...message, dst: target, term: 0 });
  };

  const deliver = (to: string, message: InboundMessage): void => {
    report.delivered++;
    // Straight into receive(), so an exception is caught here with its packet.
    cluster.at(cluster.now + random() * 5, () => {
      const replica = cluster.replica(to);
      if (replica === undefined) return;
      try {
        replica.receive(message, cluster.now);
      } catch (error) {
        problems.push(`receive threw on ${preview(JSON.stringify(message))}: ${String(error)}`);
      }
    });
  };

  // Fuzz while the honest clients work, then stop and require service to go on.
  clients.start(0);
  let sent = 0;
  const step = 20;
  const inject = (): void => {
    for (let i = 0; i < burst && sent < options.packets; i++, sent++) injectOne();
    if (sent < options.packets && problems.length === 0) cluster.at(cluster.now + step, inject);
  };
  cluster.at(1500, inject);
  const fuzzEnd = 1500 + Math.ceil(options.packets / burst) * step;
  let lastLog = 0;
  while (cluster.now < fuzzEnd && problems.length === 0 && invariants.violation === undefined) {
    cluster.runUntil(Math.min(fuzzEnd, cluster.now + 5000), () => invariants.violation !== undefined || problems.length > 0);
    if (options.log && sent - lastLog >= 20_000) {
      lastLog = sent;
      options.log(`${sent} packets sent`);
    }
  }
  clients.resetCounts();
  cluster.runUntil(fuzzEnd + 15_000, () => invariants.violation !== undefined || clients.allAnswered(3));
  clients.stop();

  if (invariants.violation !== undefined) problems.push(`invariant: ${invariants.violation}`);
  if (clients.violation !== undefined) problems.push(`client: ${clients.violation}`);
  if (!clients.allAnswered(3)) problems.push("after fuzzing, some client got fewer than 3 answers in 15 s");
  const verdict = checkHistory(history.history(), { initialValue: "" });
  if (verdict.ok === false) problems.push(`linearizability: ${verdict.explanation}`);
  report.summary =
    `fuzz seed ${options.seed}: ${report.packets} packets, ${report.rejected} rejected by decode(), ${report.decoded} decoded, ` +
    `${report.delivered} delivered (${report.replays} replays of real traffic), ${fuzzReplies} replies to fuzzed requests, ` +
    `${history.history().length} honest client ops; ${problems.length === 0 ? "no problems" : `${problems.length} problems:\n  ${problems.join("\n  ")}`}`;
  return report;
}

/** A packet: pure noise, a mutated real one, or a synthetic client request (maybe mutated). */
function makePacket(random: Random, corpus: readonly string[]): string | Uint8Array {
  const roll = random();
  if (roll < 0.05 || corpus.length === 0) return randomBytes(random);
  if (roll < 0.2) {
    const type = random() < 0.5 ? "get" : "put";
    const request = { src: "00F0", dst: "0000", leader: "FFFF", type, MID: `fz${Math.floor(random() * 1e9)}`, key: `fz${Math.floor(random() * 4)}`, ...(type === "put" ? { value: "v" } : {}) };
    const text = JSON.stringify(request);
    return random() < 0.3 ? text : mutate(text, random).packet;
  }
  return mutate(pick(random, corpus), random).packet;
}

function preview(packet: string | Uint8Array): string {
  const text = typeof packet === "string" ? packet : `bytes ${Buffer.from(packet.slice(0, 120)).toString("hex")}`;
  return text.length > 200 ? `${text.slice(0, 200)}... (${text.length} chars)` : text;
}
