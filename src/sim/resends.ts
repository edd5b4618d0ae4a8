// The leader's resends, from a packet trace (`bun run hops`): each append of the leader's
// that carries entries, whether and when its answer came back, and which were sent again
// to the same follower (or chain) before the leader had that answer. A resend after a
// loss is the protocol working; one before an answer that came after all is a timer
// shorter than the round trip (a stalled replica answers late); one after the answer had
// reached the leader's socket is the leader not having read it yet.
import { summarizePercentiles, type PercentileSummary } from "./stats.ts";
import type { Traced } from "./trace.ts";

/** A resend comes within this long of the first send, or it is a new send, not a resend. */
const RESEND_WINDOW_MS = 1000;
/** A resend this soon after the answer reached the leader raced it (the leader had not read it). */
const UNREAD_ANSWER_MS = 2;

export interface ResendSummary {
  /** Appends the leader sent carrying entries (along a chain, or directly). */
  sends: number;
  /** Of those, answered with the entries held: by the chain's end for both, or by the follower. */
  answered: number;
  /** Milliseconds from a send leaving the leader to its answer reaching it. */
  chainRoundTrip: PercentileSummary;
  directRoundTrip: PercentileSummary;
  /** Sent again to the same follower or chain, before its answer was acted on. */
  resent: number;
  /** ...when no answer ever came. */
  afterLoss: number;
  /** ...when the answer came later: the send was not lost, only slow. */
  beforeLateAnswer: number;
  /** ...within UNREAD_ANSWER_MS after the answer had reached the leader. */
  afterUnreadAnswer: number;
}

interface Send {
  at: number;
  leader: string;
  /** The follower(s) it is for: the first, and the chain's end if any. */
  first: string;
  end: string | undefined;
  sentAt: unknown;
  firstIndex: number;
  lastIndex: number;
  answeredAt: number | undefined;
}

function sendOf(t: Traced): Send | undefined {
  const m = t.msg;
  if (t.dir !== "from" || m.type !== "append" || m.relay !== undefined || !Array.isArray(m.entries) || m.entries.length === 0) return undefined;
  if (typeof m.prevIndex !== "number" || typeof m.dst !== "string") return undefined;
  return { at: t.at, leader: t.id, first: m.dst, end: typeof m.relayTo === "string" ? m.relayTo : undefined, sentAt: m.sentAt, firstIndex: m.prevIndex + 1, lastIndex: m.prevIndex + m.entries.length, answeredAt: undefined };
}

/** The same follower, or the same two along a chain in either direction (a retried chain is turned round). */
const samePath = (a: Send, b: Send) => (a.first === b.first && a.end === b.end) || (a.end !== undefined && a.first === b.end && a.end === b.first);

export function summarizeResends(trace: readonly Traced[]): ResendSummary {
  const sends: Send[] = [];
  const bySentAt = new Map<string, Send[]>();
  for (const t of trace) {
    const send = sendOf(t);
    if (send) {
      sends.push(send);
      const key = `${send.leader} ${String(send.sentAt)}`;
      const list = bySentAt.get(key);
      if (list) list.push(send);
      else bySentAt.set(key, [send]);
      continue;
    }
    const m = t.msg;
    if (t.dir !== "to" || m.type !== "appended" || m.success !== true || typeof m.match !== "number") continue;
    for (const s of bySentAt.get(`${t.id} ${String(m.sentAt)}`) ?? []) {
      // A direct send is answered by its follower; a chain by one of its two answering
      // for both (its end, or its first when that held everything already).
      const relay = m.relay as { peer?: unknown } | undefined;
      const answersAll =
        s.end === undefined ? m.src === s.first : relay !== undefined && ((m.src === s.end && relay.peer === s.first) || (m.src === s.first && relay.peer === s.end));
      if (s.answeredAt === undefined && answersAll && m.match >= s.lastIndex) s.answeredAt = t.at;
    }
  }
  const summary: ResendSummary = {
    sends: sends.length,
    answered: 0,
    chainRoundTrip: summarizePercentiles(sends.filter((s) => s.end !== undefined && s.answeredAt !== undefined).map((s) => s.answeredAt! - s.at)),
    directRoundTrip: summarizePercentiles(sends.filter((s) => s.end === undefined && s.answeredAt !== undefined).map((s) => s.answeredAt! - s.at)),
    resent: 0,
    afterLoss: 0,
    beforeLateAnswer: 0,
    afterUnreadAnswer: 0,
  };
  for (let i = 0; i < sends.length; i++) {
    const a = sends[i]!;
    if (a.answeredAt !== undefined) summary.answered++;
    for (let j = i + 1; j < sends.length && sends[j]!.at - a.at <= RESEND_WINDOW_MS; j++) {
      const b = sends[j]!;
      // It carries a's last entry again (perhaps with new ones).
      if (b.leader !== a.leader || !samePath(a, b) || b.firstIndex > a.lastIndex || b.lastIndex < a.lastIndex) continue;
      if (a.answeredAt === undefined) summary.afterLoss++;
      else if (b.at < a.answeredAt) summary.beforeLateAnswer++;
      // Nothing new in it: sent only because the answer had not been read.
      else if (b.lastIndex === a.lastIndex && b.at - a.answeredAt <= UNREAD_ANSWER_MS) summary.afterUnreadAnswer++;
      else break;
      summary.resent++;
      break;
    }
  }
  return summary;
}

export function formatResends(s: ResendSummary): string {
  const rt = (r: PercentileSummary) => (r.count === 0 ? "none answered" : `p50 ${r.p50.toFixed(3)}, p90 ${r.p90.toFixed(3)}, p99 ${r.p99.toFixed(3)} ms (${r.count})`);
  return [
    `leader appends carrying entries: ${s.sends}, ${s.answered} answered; send to answer, chains ${rt(s.chainRoundTrip)}; direct ${rt(s.directRoundTrip)}`,
    `  sent again before their answer was acted on: ${s.resent}: after a loss ${s.afterLoss}, before a late answer ${s.beforeLateAnswer}, after the answer had reached the leader ${s.afterUnreadAnswer}`,
  ].join("\n");
}
