// decode()'s fast path: every message type a replica accepts, checked by hand by the
// schema's own rules (schema.ts): IDs strings of at most 64 UTF-16 units, `leader` absent
// or an ID, counts integers in [0, MAX_COUNT], unknown fields dropped, the schema's field
// order. valibot's generic code runs cold in a replica that sees a packet every few
// milliseconds: it cost a follower ~60 µs per append (timed in the binary on simple-1),
// against ~1 µs for JSON.parse itself. Anything that does not pass returns undefined and
// goes to valibot, which accepts or rejects it with its reason: what is accepted, and
// what comes out, are exactly as before (bench/decode-agree.ts checks it, and
// test/wire.test.ts runs that check).
import type { LogEntry } from "../raft/types.ts";
import type { InboundMessage } from "./messages.ts";

type Fields = Record<string, unknown>;
type Head = { src: string; dst: string; leader?: string };

/** The largest term or index on the wire: arithmetic on them stays exact. */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER - 1;

const isId = (value: unknown): value is string => typeof value === "string" && value.length <= 64;
const isCount = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT;
const isRecord = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);

/** An entry from its wire tuple: [term] or [term, floor] for a no-op, [term, key, value, client, MID] for a put. */
export function entryOf(tuple: readonly [number] | readonly [number, number] | readonly [number, string, string, string, string]): LogEntry {
  if (tuple.length === 5) return { term: tuple[0], key: tuple[1], value: tuple[2], client: tuple[3], mid: tuple[4] };
  return tuple.length === 2 ? { term: tuple[0], floor: tuple[1] } : { term: tuple[0] };
}

/** Any message the schema would accept, decoded as it would; undefined for valibot to judge. */
export function fastDecode(parsed: unknown): InboundMessage | undefined {
  if (!isRecord(parsed)) return undefined;
  const { src, dst, leader, type } = parsed;
  if (!isId(src) || !isId(dst) || (leader !== undefined && !isId(leader))) return undefined;
  // Client requests, most of what a leader decodes, are built without the shared head.
  if (type === "get" || type === "put") return clientRequest(parsed, src, dst, leader, type);
  const head: Head = leader === undefined ? { src, dst } : { src, dst, leader };
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
      const { term, pre, granted, commit, told, ackTerm, acked } = parsed;
      if (!isCount(term) || typeof pre !== "boolean" || typeof granted !== "boolean" || !isCount(commit) || !isCount(told) || !isCount(ackTerm) || !isCount(acked)) return undefined;
      return { ...head, type, term, pre, granted, commit, told, ackTerm, acked };
    }
    default:
      return undefined;
  }
}

function clientRequest(m: Fields, src: string, dst: string, leader: string | undefined, type: "get" | "put"): InboundMessage | undefined {
  const { MID, key } = m;
  if (typeof MID !== "string" || typeof key !== "string") return undefined;
  // Literals in the schema's field order, `leader` kept when present (as valibot does).
  // Held in a variable first: returned directly, the literal with `leader` would fail the
  // excess-property check against GetRequest/PutRequest, which do not declare it.
  if (type === "get") {
    const get = leader === undefined ? { src, dst, type, MID, key } : { src, dst, leader, type, MID, key };
    return get;
  }
  const value = m["value"];
  if (typeof value !== "string") return undefined;
  const put = leader === undefined ? { src, dst, type, MID, key, value } : { src, dst, leader, type, MID, key, value };
  return put;
}

/** What a follower decodes for every put. */
function append(m: Fields, head: Head): InboundMessage | undefined {
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
    const entry: unknown = entries[i];
    if (!isEntryTuple(entry)) return undefined;
    decoded[i] = entryOf(entry);
  }
  const out = { ...head, type: "append" as const, quiet, term, prevIndex, prevTerm, entries: decoded, commit, sentAt };
  if (relayTo === undefined) return relayOut === undefined ? out : { ...out, relay: relayOut };
  return relayOut === undefined ? { ...out, relayTo } : { ...out, relayTo, relay: relayOut };
}

function isEntryTuple(entry: unknown): entry is [number] | [number, number] | [number, string, string, string, string] {
  if (!Array.isArray(entry) || !isCount(entry[0])) return false;
  if (entry.length === 1) return true;
  if (entry.length === 2) return isCount(entry[1]);
  return entry.length === 5 && typeof entry[1] === "string" && typeof entry[2] === "string" && isId(entry[3]) && typeof entry[4] === "string";
}

function appended(m: Fields, head: Head): InboundMessage | undefined {
  const { term, success, match, hintIndex, hintTerm, sentAt, relay } = m;
  if (!isCount(term) || typeof success !== "boolean" || !isCount(match) || !isCount(hintIndex) || !isCount(hintTerm) || typeof sentAt !== "number") return undefined;
  const out = { ...head, type: "appended" as const, term, success, match, hintIndex, hintTerm, sentAt };
  if (relay === undefined) return out;
  if (!isRecord(relay) || !isId(relay["peer"]) || !isCount(relay["match"])) return undefined;
  const relayedAt = relay["sentAt"];
  if (relayedAt === undefined) return { ...out, relay: { peer: relay["peer"], match: relay["match"] } };
  if (typeof relayedAt !== "number") return undefined;
  return { ...out, relay: { peer: relay["peer"], match: relay["match"], sentAt: relayedAt } };
}
