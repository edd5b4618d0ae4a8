// Outbound messages to packets. Entries are encoded once and the text reused for every
// append that carries them: appends are the bulk of what a leader sends.
import type { AppendReply, LogEntry, NodeId } from "../raft/types.ts";
import { BROADCAST, type ClientReply, type OutboundMessage } from "./messages.ts";

export function encodeEntry(entry: LogEntry): string {
  if (entry.json === undefined) {
    // One stringify of a tuple is about twice as fast as escaping each field on its own.
    entry.json =
      entry.key === undefined
        ? entry.floor === undefined ? `[${entry.term}]` : `[${entry.term},${entry.floor}]`
        : JSON.stringify([entry.term, entry.key, entry.value ?? "", entry.client ?? "", entry.mid ?? ""]);
  }
  return entry.json;
}

export function entrySize(entry: LogEntry): number {
  return encodeEntry(entry).length;
}

/** The packet text for `message`; `leader` is the sender's belief of who leads. */
export function encode(message: OutboundMessage, leader: NodeId | undefined): string {
  if (message.type === "ok" || message.type === "fail" || message.type === "redirect") return encodeReply(message, leader);
  const leaderField = JSON.stringify(leader ?? BROADCAST);
  if (message.type === "append") {
    let entries = "";
    for (let i = 0; i < message.entries.length; i++) entries += (i === 0 ? "" : ",") + encodeEntry(message.entries[i]!);
    const relay =
      (message.relayTo === undefined ? "" : `,"relayTo":${JSON.stringify(message.relayTo)}`) +
      (message.relay === undefined ? "" : `,"relay":{"leader":${JSON.stringify(message.relay.leader)},"match":${message.relay.match}}`);
    return (
      `{"src":${JSON.stringify(message.src)},"dst":${JSON.stringify(message.dst)},"leader":${leaderField},"type":"append",` +
      `"quiet":${message.quiet},"term":${message.term},"prevIndex":${message.prevIndex},"prevTerm":${message.prevTerm},"commit":${message.commit},` +
      `"sentAt":${message.sentAt}${relay},"entries":[${entries}]}`
    );
  }
  if (message.type === "appended") return encodeAppendReply(message, leaderField);
  // Votes and their answers: the header, then their own fields.
  const { type, src, dst, ...rest } = message;
  return `{"src":${JSON.stringify(src)},"dst":${JSON.stringify(dst)},"leader":${leaderField},"type":${JSON.stringify(type)}${tail(rest)}}`;
}

/**
 * A client reply as one object literal and one stringify: a leader's get is answered
 * straight after a wake-up, when every extra step runs cold (the generic path's rest
 * spread and `delete` cost ~20 µs of a get's ~240 µs in the real simulator). Fields that
 * are undefined are left out, as the generic path leaves them out.
 */
function encodeReply(reply: ClientReply, leader: NodeId | undefined): string {
  const value = reply.type === "ok" ? reply.value : undefined;
  return JSON.stringify({
    src: reply.src,
    dst: reply.dst,
    leader: reply.type === "redirect" ? reply.leader : leader ?? BROADCAST,
    type: reply.type,
    MID: reply.MID,
    value,
  });
}

/**
 * An append's answer, written out like an append: one of every put's three chain messages,
 * sent cold by the chain's end (the generic path cost ~23 µs there, timed in the binary).
 * The same text as the generic path: its fields in the same order, `relay` only when set.
 */
function encodeAppendReply(m: AppendReply, leaderField: string): string {
  const r = m.relay;
  const relay = r === undefined ? "" : `,"relay":{"peer":${JSON.stringify(r.peer)},"match":${r.match}${r.sentAt === undefined ? "" : `,"sentAt":${r.sentAt}`}}`;
  return (
    `{"src":${JSON.stringify(m.src)},"dst":${JSON.stringify(m.dst)},"leader":${leaderField},"type":"appended","term":${m.term},"success":${m.success},` +
    `"match":${m.match},"hintIndex":${m.hintIndex},"hintTerm":${m.hintTerm},"sentAt":${m.sentAt}${relay}}`
  );
}

function tail(rest: object): string {
  const body = JSON.stringify(rest);
  return body.length > 2 ? `,${body.slice(1, -1)}` : "";
}
