// Replica-to-replica messages checked by hand, by the schema's own rules (schema.ts):
// valibot's generic code runs cold in a replica that sees a packet every few
// milliseconds, and cost a follower ~60 µs per append (measured in the binary on
// simple-1), against ~1 µs for JSON.parse itself. Anything that does not pass here
// returns undefined and goes to valibot, which accepts or rejects it with its reason:
// what is accepted, and what comes out (key order included), are exactly as before
// (bench/decode-agree.ts checks it, and test/wire.test.ts runs that check).
import type { LogEntry } from "../raft/types.ts";
import type { InboundMessage } from "./messages.ts";

type Fields = Record<string, unknown>;

const MAX_COUNT = Number.MAX_SAFE_INTEGER - 1;
const isId = (value: unknown): value is string => typeof value === "string" && value.length <= 64;
const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT;
const isRecord = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);

/** An append, appended, vote or voted that the schema would accept; else undefined. */
export function peerMessage(parsed: unknown): InboundMessage | undefined {
  if (!isRecord(parsed)) return undefined;
  const { src, dst, leader, type } = parsed;
  if (!isId(src) || !isId(dst) || (leader !== undefined && !isId(leader))) return undefined;
  const head = leader === undefined ? { src, dst } : { src, dst, leader };
  switch (type) {
    case "append":
      return append(parsed, head);
    case "appended":
      return appended(parsed, head);
    case "vote": {
      const { term, pre, lastIndex, lastTerm } = parsed;
      if (!isCount(term) || typeof pre !== "boolean" || !isCount(lastIndex) || !isCount(lastTerm)) return undefined;
      return { ...head, type, term, pre, lastIndex, lastTerm };
    }
    case "voted": {
      const { term, pre, granted, commit } = parsed;
      if (!isCount(term) || typeof pre !== "boolean" || typeof granted !== "boolean" || !isCount(commit)) return undefined;
      return { ...head, type, term, pre, granted, commit };
    }
    default:
      return undefined;
  }
}

function append(m: Fields, head: { src: string; dst: string; leader?: string }): InboundMessage | undefined {
  const { quiet, term, prevIndex, prevTerm, entries, commit, sentAt, relayTo, relay } = m;
  if (typeof quiet !== "boolean" || !isCount(term) || !isCount(prevIndex) || !isCount(prevTerm) || !Array.isArray(entries)) return undefined;
  if (!isCount(commit) || typeof sentAt !== "number" || (relayTo !== undefined && !isId(relayTo))) return undefined;
  let relayOut: { leader: string; match: number } | undefined;
  if (relay !== undefined) {
    if (!isRecord(relay) || !isId(relay["leader"]) || !isCount(relay["match"])) return undefined;
    relayOut = { leader: relay["leader"], match: relay["match"] };
  }
  const decoded: LogEntry[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = decodeEntry(entries[i]);
    if (entry === undefined) return undefined;
    decoded[i] = entry;
  }
  const out = { ...head, type: "append" as const, quiet, term, prevIndex, prevTerm, entries: decoded, commit, sentAt };
  if (relayTo === undefined) return relayOut === undefined ? out : { ...out, relay: relayOut };
  return relayOut === undefined ? { ...out, relayTo } : { ...out, relayTo, relay: relayOut };
}

/** [term] for a no-op, [term, key, value, client, MID] for a put. */
function decodeEntry(entry: unknown): LogEntry | undefined {
  if (!Array.isArray(entry)) return undefined;
  const term: unknown = entry[0];
  if (!isCount(term)) return undefined;
  if (entry.length === 1) return { term };
  if (entry.length !== 5) return undefined;
  const [, key, value, client, mid] = entry as unknown[];
  if (typeof key !== "string" || typeof value !== "string" || !isId(client) || typeof mid !== "string") return undefined;
  return { term, key, value, client, mid };
}

function appended(m: Fields, head: { src: string; dst: string; leader?: string }): InboundMessage | undefined {
  const { term, success, match, hintIndex, hintTerm, sentAt, relay } = m;
  if (!isCount(term) || typeof success !== "boolean" || !isCount(match) || !isCount(hintIndex) || !isCount(hintTerm) || typeof sentAt !== "number") return undefined;
  const out = { ...head, type: "appended" as const, term, success, match, hintIndex, hintTerm, sentAt };
  if (relay === undefined) return out;
  if (!isRecord(relay) || !isId(relay["peer"]) || !isCount(relay["match"])) return undefined;
  return { ...out, relay: { peer: relay["peer"], match: relay["match"] } };
}
