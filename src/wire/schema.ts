// valibot schemas for every packet a replica accepts. Anything else is dropped at the
// boundary: decode() never throws.
import * as v from "valibot";
import type { InboundMessage } from "./messages.ts";
import { entryOf, fastDecode, MAX_COUNT } from "./fast-path.ts";

const Id = v.pipe(v.string(), v.maxLength(64));
// Bounded so that arithmetic on terms and indexes stays exact.
const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_COUNT));
const Text = v.string();

const header = { src: Id, dst: Id, leader: v.optional(Id) };

/** An entry on the wire: [term, floor] or [term] for a no-op, [term, key, value, client, MID] for a put. */
// Puts first: they are nearly every entry, and a failed union branch is costly in valibot.
const Entry = v.union([v.strictTuple([Count, Text, Text, Id, Text]), v.strictTuple([Count, Count]), v.strictTuple([Count])]);

const Inbound = v.variant("type", [
  v.object({ ...header, type: v.literal("get"), MID: Text, key: Text }),
  v.object({ ...header, type: v.literal("put"), MID: Text, key: Text, value: Text }),
  v.object({ ...header, type: v.literal("vote"), term: Count, pre: v.boolean(), lastIndex: Count, lastTerm: Count }),
  v.object({ ...header, type: v.literal("voted"), term: Count, pre: v.boolean(), granted: v.boolean(), commit: Count, told: Count, ackTerm: Count, acked: Count }),
  v.object({
    ...header,
    type: v.literal("append"),
    quiet: v.boolean(),
    term: Count,
    prevIndex: Count,
    prevTerm: Count,
    entries: v.array(Entry),
    commit: Count,
    sentAt: v.number(),
    relayTo: v.optional(Id),
    relay: v.optional(v.object({ leader: Id, match: Count })),
  }),
  v.object({
    ...header,
    type: v.literal("appended"),
    term: Count,
    success: v.boolean(),
    match: Count,
    hintIndex: Count,
    hintTerm: Count,
    sentAt: v.number(),
    relay: v.optional(v.object({ peer: Id, match: Count, sentAt: v.optional(v.number()) })),
  }),
]);

export type DecodeResult = { ok: true; message: InboundMessage } | { ok: false; reason: string };

const decoder = new TextDecoder("utf-8", { fatal: true });

export function decode(packet: Uint8Array | string): DecodeResult {
  return decodeWith(packet, true);
}

/** decode() without the client fast path: valibot decides everything (for benchmarks and checks). */
export function decodeBySchema(packet: Uint8Array | string): DecodeResult {
  return decodeWith(packet, false);
}

function decodeWith(packet: Uint8Array | string, fast: boolean): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof packet === "string" ? packet : decoder.decode(packet));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (fast) {
    const message = fastDecode(parsed);
    if (message !== undefined) return { ok: true, message };
  }
  const result = v.safeParse(Inbound, parsed);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue?.path?.map((item) => String(item.key)).join(".") ?? "";
    return { ok: false, reason: `invalid message${path ? ` at ${path}` : ""}: ${issue?.message ?? "unknown"}` };
  }
  const message = result.output;
  if (message.type !== "append") return { ok: true, message };
  return { ok: true, message: { ...message, entries: message.entries.map(entryOf) } };
}
