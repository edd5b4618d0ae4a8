// Validation of every packet a replica sends (SPEC §2): the simulator only routes what it
// can read, and anything else is a malformed packet, a correctness failure.
import { isHexAddress } from "./ids.ts";

/** The simulator reads at most this many bytes; a packet this long or longer is cut. */
export const MAX_PACKET_BYTES = 16384;

export interface ReplicaMessage {
  src: string;
  dst: string;
  leader: string;
  type: unknown;
  [field: string]: unknown;
}

export type Parsed = { ok: true; msg: ReplicaMessage } | { ok: false; reason: string };

const decoder = new TextDecoder("utf-8", { fatal: true });

export function parsePacket(bytes: Uint8Array): Parsed {
  if (bytes.length >= MAX_PACKET_BYTES) return { ok: false, reason: `packet of ${bytes.length} bytes (the limit is < ${MAX_PACKET_BYTES})` };
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return { ok: false, reason: "unable to decode JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "message is not a JSON object" };
  const msg = value as Record<string, unknown>;
  for (const field of ["src", "dst", "leader", "type"]) {
    if (!(field in msg)) return { ok: false, reason: `missing required field ${field}` };
  }
  if (!isHexAddress(msg.leader)) return { ok: false, reason: "incorrect leader format" };
  if (!isHexAddress(msg.dst)) return { ok: false, reason: "incorrect destination format" };
  if (!isHexAddress(msg.src)) return { ok: false, reason: "incorrect source format" };
  return { ok: true, msg: msg as ReplicaMessage };
}

/** A short printable excerpt of a bad packet for the report. */
export function excerpt(bytes: Uint8Array, max = 160): string {
  const text = new TextDecoder().decode(bytes.subarray(0, max));
  return bytes.length > max ? `${text}… (${bytes.length} bytes)` : text;
}
