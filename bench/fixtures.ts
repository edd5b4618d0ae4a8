// Realistic inputs for the benchmarks, built deterministically from a seed: what the
// simulator's clients send (32-character keys, 32-hex-digit values, 16-character MIDs,
// 4-hex-digit IDs) and the log entries a leader ships.
import type { LogEntry } from "../src/raft/types.ts";
import { seededRandom, type Random } from "../src/util/prng.ts";

const HEX = "0123456789abcdef";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomText(random: Random, length: number, alphabet = ALNUM): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

export const hex = (random: Random, length: number): string => randomText(random, length, HEX);

/** A client put as the simulator sends it, as text. */
export function putPacketText(random: Random): string {
  return JSON.stringify({
    src: "001A",
    dst: "0002",
    leader: "0002",
    type: "put",
    MID: randomText(random, 16),
    key: randomText(random, 32),
    value: hex(random, 32),
  });
}

const encoder = new TextEncoder();

/** `count` distinct put packets as bytes, as they come off the socket. */
export function putPackets(count: number, seed = 1): Uint8Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => encoder.encode(putPacketText(random)));
}

/** `count` put entries of term 3, with no cached encoding. */
export function putEntries(count: number, seed = 2): LogEntry[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => ({
    term: 3,
    key: randomText(random, 32),
    value: hex(random, 32),
    client: "001A",
    mid: randomText(random, 16),
  }));
}
