// `bun run hops <trace>`: where a request's time goes, hop by hop, from a packet trace
// (`bun run sim <scenario> --trace FILE`, or runVirtual's `trace` option). Every hop is
// one crossing of the simulator: delivered to a process, until that process's answer is
// read back. A put along a relay chain crosses five times; a get at the leader, twice.
import { readFileSync } from "node:fs";
import { classicMedian } from "./stats.ts";
import { parseTrace, type Traced } from "./trace.ts";

export interface HopSummary {
  /** Put requests delivered to a replica, and how many of them took the clean chain path. */
  puts: number;
  chainPuts: number;
  /** Medians in milliseconds, per stage of a chain put, and the whole of it. */
  putStages: { leader: number; relay: number; chainEnd: number; answer: number; total: number };
  gets: number;
  /** Gets answered `ok` by the replica they were delivered to: median milliseconds. */
  getTotal: number;
}

const carries = (msg: Record<string, unknown>, mid: string) =>
  Array.isArray(msg.entries) && msg.entries.some((entry) => Array.isArray(entry) && entry[4] === mid);

/** NaN, not 0, when nothing was measured: the table then says so. */
const median = (values: readonly number[]) => (values.length === 0 ? Number.NaN : classicMedian(values));

/** Follows each put along leader -> first follower -> chain end -> leader -> client. */
export function summarizeHops(trace: readonly Traced[]): HopSummary {
  const stages = { leader: [] as number[], relay: [] as number[], chainEnd: [] as number[], answer: [] as number[], total: [] as number[] };
  const getTotals: number[] = [];
  let puts = 0;
  let gets = 0;
  for (let i = 0; i < trace.length; i++) {
    const request = trace[i]!;
    if (request.dir !== "to" || (request.msg.type !== "put" && request.msg.type !== "get")) continue;
    const mid = request.msg.MID;
    if (typeof mid !== "string") continue;
    const leader = request.id;
    let j = i + 1;
    const next = (match: (t: Traced) => boolean): Traced | undefined => {
      for (; j < trace.length; j++) if (match(trace[j]!)) return trace[j];
      return undefined;
    };
    if (request.msg.type === "get") {
      gets++;
      const reply = next((t) => t.dir === "from" && t.msg.MID === mid);
      if (reply?.id === leader && reply.msg.type === "ok") getTotals.push(reply.at - request.at);
      continue;
    }
    puts++;
    const append = next((t) => t.dir === "from" && t.id === leader && t.msg.type === "append" && typeof t.msg.relayTo === "string" && carries(t.msg, mid));
    if (!append) continue;
    const first = String(append.msg.dst);
    const relayed = next((t) => t.dir === "from" && t.id === first && t.msg.type === "append" && t.msg.relay !== undefined && carries(t.msg, mid));
    if (!relayed) continue;
    const end = String(relayed.msg.dst);
    const ack = next((t) => t.dir === "from" && t.id === end && t.msg.type === "appended" && t.msg.success === true);
    if (!ack) continue;
    const ok = next((t) => t.dir === "from" && t.msg.MID === mid);
    if (!ok || ok.msg.type !== "ok") continue;
    stages.leader.push(append.at - request.at);
    stages.relay.push(relayed.at - append.at);
    stages.chainEnd.push(ack.at - relayed.at);
    stages.answer.push(ok.at - ack.at);
    stages.total.push(ok.at - request.at);
  }
  return {
    puts,
    chainPuts: stages.total.length,
    putStages: { leader: median(stages.leader), relay: median(stages.relay), chainEnd: median(stages.chainEnd), answer: median(stages.answer), total: median(stages.total) },
    gets,
    getTotal: median(getTotals),
  };
}

export function formatHops(s: HopSummary): string {
  const ms = (v: number) => `${v.toFixed(3)} ms`;
  return [
    `puts: ${s.puts}, ${s.chainPuts} answered along a clean relay chain; their medians, one simulator crossing each:`,
    `  leader       request in -> append out        ${ms(s.putStages.leader)}`,
    `  relay        append in  -> append out        ${ms(s.putStages.relay)}`,
    `  chain end    append in  -> answer out        ${ms(s.putStages.chainEnd)}`,
    `  leader       answer in  -> ok out            ${ms(s.putStages.answer)}`,
    `  whole put                                    ${ms(s.putStages.total)}`,
    `gets: ${s.gets}; answered by the replica they reached, median ${ms(s.getTotal)} (two crossings)`,
  ].join("\n");
}

if (import.meta.main) {
  const file = process.argv[2];
  if (file === undefined || file === "-h" || file === "--help") {
    console.error("usage: bun run hops <trace file from `bun run sim <scenario> --trace FILE`>");
    process.exit(file === undefined ? 2 : 0);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    console.error(`cannot read ${file}: ${(error as Error).message}`);
    process.exit(2);
  }
  console.log(formatHops(summarizeHops(parseTrace(text.split("\n")))));
}
