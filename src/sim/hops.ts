// `bun run hops <trace> [--times DIR]`: where a request's time goes, hop by hop, from a
// packet trace (`bun run sim <scenario> --trace FILE`, or runVirtual's `trace` option).
// Every hop is one crossing of the simulator: delivered to a process, until that process's
// answer is read back. A put along a relay chain crosses five times; a get at the leader,
// twice. With the replicas' own packet times (`bun run sim --trace FILE --times DIR`) each
// crossing splits into the simulator's part, the replica's wake-up, its work and the write back.
// Then the leader's resends (resends.ts): after a loss, before a late answer, or after
// an answer that had reached it unread.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readPacketTimes, type PacketTimes } from "../net/packet-times.ts";
import { parseCommand } from "../util/usage.ts";
import { formatResends, summarizeResends } from "./resends.ts";
import { classicMedian } from "./stats.ts";
import { parseTrace, parseTraceOrigin, type Traced } from "./trace.ts";

type Stage = "leader" | "relay" | "chainEnd" | "answer";

/** One crossing, split (medians in milliseconds; each part's median, so they need not add up). */
export interface CrossingSplit {
  /** From reading the previous packet to delivering this one (0 for the request itself). */
  simulator: number;
  /** From delivery to the replica's packet callback: its process waking up. */
  wake: number;
  /** From its callback to the start of its write: the replica's own code. */
  work: number;
  /** From the start of its write until the simulator has read the packet. */
  back: number;
  /** Crossings measured. */
  count: number;
}

export interface HopSummary {
  /** Put requests delivered to a replica, and how many of them took the clean chain path. */
  puts: number;
  chainPuts: number;
  /** Medians in milliseconds, per stage of a chain put, and the whole of it. */
  putStages: Record<Stage, number> & { total: number };
  gets: number;
  /** Gets answered `ok` by the replica they were delivered to: median milliseconds. */
  getTotal: number;
  /** Puts whose replica wrote their `ok` before anything else (no replication first: the floor's). */
  directPuts: number;
  directPutTotal: number;
  /** With the replicas' times: each stage split, and which replicas' times did not fit the trace. */
  split?: { putStages: Record<Stage, CrossingSplit>; get: CrossingSplit; directPut: CrossingSplit; unmatched: string[] };
}

/** The replicas' packet times, and where the trace's zero is on their clock. */
export interface ReplicaTimes {
  origin: number;
  byReplica: ReadonlyMap<string, PacketTimes>;
}

const carries = (msg: Record<string, unknown>, mid: string) =>
  Array.isArray(msg.entries) && msg.entries.some((entry) => Array.isArray(entry) && entry[4] === mid);

/** NaN, not 0, when nothing was measured: the table then says so. */
const median = (values: readonly number[]) => (values.length === 0 ? Number.NaN : classicMedian(values));

/** A crossing: the packet read before it (or undefined), its delivery, and the answer read. */
type Crossing = [before: number | undefined, delivered: number, answered: number];

/** Follows each put along leader -> first follower -> chain end -> leader -> client. */
export function summarizeHops(trace: readonly Traced[], times?: ReplicaTimes): HopSummary {
  const putCrossings: Record<Stage, Crossing[]> = { leader: [], relay: [], chainEnd: [], answer: [] };
  const getCrossings: Crossing[] = [];
  const directPutCrossings: Crossing[] = [];
  let puts = 0;
  let gets = 0;
  for (let i = 0; i < trace.length; i++) {
    const request = trace[i]!;
    if (request.dir !== "to" || (request.msg.type !== "put" && request.msg.type !== "get")) continue;
    const mid = request.msg.MID;
    if (typeof mid !== "string") continue;
    const leader = request.id;
    let j = i + 1;
    const next = (match: (t: Traced) => boolean): number | undefined => {
      for (; j < trace.length; j++) if (match(trace[j]!)) return j;
      return undefined;
    };
    /** The delivery of the packet read at `k` (the same packet, to its `dst`), if it was not dropped. */
    const deliveryOf = (k: number): number | undefined => {
      const sent = trace[k]!.msg;
      const text = JSON.stringify(sent);
      return next((t) => t.dir === "to" && t.id === sent.dst && t.msg.src === sent.src && JSON.stringify(t.msg) === text);
    };
    if (request.msg.type === "get") {
      gets++;
      const reply = next((t) => t.dir === "from" && t.msg.MID === mid);
      if (reply !== undefined && trace[reply]!.id === leader && trace[reply]!.msg.type === "ok") getCrossings.push([undefined, i, reply]);
      continue;
    }
    puts++;
    const firstWrite = next((t) => t.dir === "from" && t.id === leader);
    if (firstWrite === undefined) continue;
    if (trace[firstWrite]!.msg.MID === mid && trace[firstWrite]!.msg.type === "ok") {
      directPutCrossings.push([undefined, i, firstWrite]);
      continue;
    }
    j = i + 1;
    // Each packet of the chain, as read from its sender and then as delivered onwards.
    const isChain = (t: Traced) => t.id === leader && t.msg.type === "append" && typeof t.msg.relayTo === "string" && carries(t.msg, mid);
    const append = next((t) => t.dir === "from" && isChain(t));
    if (append === undefined) continue;
    const first = String(trace[append]!.msg.dst);
    const appendIn = deliveryOf(append);
    if (appendIn === undefined) continue;
    const relayed = next((t) => t.dir === "from" && t.id === first && t.msg.type === "append" && t.msg.relay !== undefined && carries(t.msg, mid));
    if (relayed === undefined) continue;
    const end = String(trace[relayed]!.msg.dst);
    const relayedIn = deliveryOf(relayed);
    if (relayedIn === undefined) continue;
    const ack = next((t) => t.dir === "from" && t.id === end && t.msg.type === "appended" && t.msg.success === true);
    if (ack === undefined) continue;
    const ackIn = deliveryOf(ack);
    if (ackIn === undefined) continue;
    const ok = next((t) => t.dir === "from" && t.msg.MID === mid);
    if (ok === undefined || trace[ok]!.msg.type !== "ok") continue;
    putCrossings.leader.push([undefined, i, append]);
    putCrossings.relay.push([append, appendIn, relayed]);
    putCrossings.chainEnd.push([relayed, relayedIn, ack]);
    putCrossings.answer.push([ack, ackIn, ok]);
  }

  const at = (k: number) => trace[k]!.at;
  const crossingTime = ([before, delivered, answered]: Crossing) => at(answered) - at(before ?? delivered);
  const totals = putCrossings.leader.map((c, n) => at(putCrossings.answer[n]![2]) - at(c[1]));
  const summary: HopSummary = {
    puts,
    chainPuts: totals.length,
    putStages: {
      leader: median(putCrossings.leader.map(crossingTime)),
      relay: median(putCrossings.relay.map(crossingTime)),
      chainEnd: median(putCrossings.chainEnd.map(crossingTime)),
      answer: median(putCrossings.answer.map(crossingTime)),
      total: median(totals),
    },
    gets,
    getTotal: median(getCrossings.map(crossingTime)),
    directPuts: directPutCrossings.length,
    directPutTotal: median(directPutCrossings.map(crossingTime)),
  };
  if (times) summary.split = splitCrossings(trace, times, putCrossings, getCrossings, directPutCrossings);
  return summary;
}

/** Joins the trace with each replica's own times: its n-th delivered packet is its n-th read. */
function splitCrossings(
  trace: readonly Traced[],
  times: ReplicaTimes,
  putCrossings: Record<Stage, Crossing[]>,
  getCrossings: Crossing[],
  directPutCrossings: Crossing[],
): NonNullable<HopSummary["split"]> {
  const ordinal: number[] = [];
  const counted = new Map<string, { to: number; from: number }>();
  for (const t of trace) {
    const c = counted.get(t.id) ?? { to: 0, from: 0 };
    counted.set(t.id, c);
    ordinal.push(c[t.dir]++);
  }
  // A replica whose counts differ (killed with packets in flight, or times from another
  // run) cannot be joined packet by packet: its crossings are left out of the split.
  const unmatched = [...counted].filter(([id, c]) => {
    const own = times.byReplica.get(id);
    return own === undefined || own.received.length !== c.to || own.sent.length !== c.from;
  }).map(([id]) => id);
  const usable = (id: string) => !unmatched.includes(id);
  const shared = (k: number) => times.origin + trace[k]!.at;

  const split = (crossings: Crossing[]): CrossingSplit => {
    const parts = { simulator: [] as number[], wake: [] as number[], work: [] as number[], back: [] as number[] };
    for (const [before, delivered, answered] of crossings) {
      const id = trace[delivered]!.id;
      if (!usable(id)) continue;
      const own = times.byReplica.get(id)!;
      const read = own.received[ordinal[delivered]!]!;
      const write = own.sent[ordinal[answered]!]!;
      parts.simulator.push(before === undefined ? 0 : trace[delivered]!.at - trace[before]!.at);
      parts.wake.push(read - shared(delivered));
      parts.work.push(write - read);
      parts.back.push(shared(answered) - write);
    }
    return { simulator: median(parts.simulator), wake: median(parts.wake), work: median(parts.work), back: median(parts.back), count: parts.wake.length };
  };
  return {
    putStages: { leader: split(putCrossings.leader), relay: split(putCrossings.relay), chainEnd: split(putCrossings.chainEnd), answer: split(putCrossings.answer) },
    get: split(getCrossings),
    directPut: split(directPutCrossings),
    unmatched,
  };
}

export function formatHops(s: HopSummary): string {
  const ms = (v: number) => `${v.toFixed(3)} ms`;
  const parts = (c: CrossingSplit | undefined) =>
    c === undefined ? "" : `   sim ${c.simulator.toFixed(3)}  wake ${c.wake.toFixed(3)}  work ${c.work.toFixed(3)}  back ${c.back.toFixed(3)}`;
  const lines = [`puts: ${s.puts}, ${s.chainPuts} answered along a clean relay chain${s.chainPuts > 0 ? "; their medians, one simulator crossing each:" : ""}`];
  if (s.chainPuts > 0) {
    lines.push(
      `  leader       request in -> append out        ${ms(s.putStages.leader)}${parts(s.split?.putStages.leader)}`,
      `  relay        append in  -> append out        ${ms(s.putStages.relay)}${parts(s.split?.putStages.relay)}`,
      `  chain end    append in  -> answer out        ${ms(s.putStages.chainEnd)}${parts(s.split?.putStages.chainEnd)}`,
      `  leader       answer in  -> ok out            ${ms(s.putStages.answer)}${parts(s.split?.putStages.answer)}`,
      `  whole put                                    ${ms(s.putStages.total)}`,
    );
  }
  lines.push(`gets: ${s.gets}; answered by the replica they reached, median ${ms(s.getTotal)} (two crossings)${parts(s.split?.get)}`);
  if (s.directPuts > 0) lines.push(`puts answered before any replication: ${s.directPuts}, median ${ms(s.directPutTotal)} (two crossings)${parts(s.split?.directPut)}`);
  if (s.split) {
    lines.push(
      "split (ms, each part's own median): sim = the simulator, from reading the packet before to delivering this one;",
      "  wake = delivered until the replica's packet callback; work = callback until its write begins;",
      "  back = write begun until the simulator has read it",
    );
    if (s.split.unmatched.length > 0) lines.push(`  left out of the split (their times do not match the trace packet for packet): ${s.split.unmatched.join(", ")}`);
  }
  return lines.join("\n");
}

/** Every `<id>.times` in `dir`, with the origin the trace names. */
export function loadReplicaTimes(dir: string, traceLines: readonly string[]): ReplicaTimes {
  const origin = parseTraceOrigin(traceLines);
  if (origin === undefined) throw new Error("the trace names no origin (# origin <ms>): it is not from `bun run sim --trace`");
  const byReplica = new Map<string, PacketTimes>();
  for (const name of readdirSync(dir)) {
    const m = /^([0-9A-Fa-f]{4})\.times$/.exec(name);
    if (!m) continue;
    try {
      byReplica.set(m[1]!, readPacketTimes(join(dir, name)));
    } catch (error) {
      throw new Error(`${join(dir, name)}: ${(error as Error).message}`);
    }
  }
  if (byReplica.size === 0) throw new Error(`no <id>.times files in ${dir}`);
  return { origin, byReplica };
}

const USAGE = "usage: bun run hops <trace file from `bun run sim <scenario> --trace FILE`> [--times DIR from its --times DIR]";

function main(): number {
  const parsed = parseCommand(USAGE, {
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { times: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
  });
  if (typeof parsed === "number") return parsed;
  if (parsed.positionals.length !== 1) {
    console.error(`expected exactly one trace file, got ${parsed.positionals.length}\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0]!;
  const timesDir = parsed.values.times;
  let lines: string[];
  let times: ReplicaTimes | undefined;
  try {
    lines = readFileSync(file, "utf8").split("\n");
    if (timesDir !== undefined) times = loadReplicaTimes(timesDir, lines);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const trace = parseTrace(lines);
  console.log(formatHops(summarizeHops(trace, times)));
  console.log(formatResends(summarizeResends(trace)));
  return 0;
}

if (import.meta.main) process.exit(main());
