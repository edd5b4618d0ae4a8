// The classic ID scheme (SPEC §3.1): replicas 0000..n-1, eight clients n+16..n+23, all as
// 4-digit upper-case hex; FFFF is broadcast as a destination and "unknown" as a leader.

export { BROADCAST } from "../wire/messages.ts";
export const UNKNOWN_LEADER = "FFFF";
export const NUM_CLIENTS = 8;

export function hexId(i: number): string {
  return i.toString(16).toUpperCase().padStart(4, "0");
}

export function replicaIds(replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => hexId(i));
}

export function clientIds(replicas: number): string[] {
  return Array.from({ length: NUM_CLIENTS }, (_, i) => hexId(replicas + 16 + i));
}

/** What the simulator accepts in src/dst/leader: a 4-character hex string (any case). */
export function isHexAddress(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-fA-F]{4}$/.test(value);
}
