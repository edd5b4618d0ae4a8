// Packet mutations for boundary fuzzing: from a valid encoded message, derive the kinds of
// malformed input a network or a confused peer can produce. Seeded, like everything here.
import { pick, randomInt, type Random } from "../util/prng.ts";

const encoder = new TextEncoder();

const WEIRD_NUMBERS = [-1, -0, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 2 ** 31, 2 ** 32, 1e21, 4294967295];
const WEIRD_VALUES: unknown[] = [null, true, false, "", "FFFF", [], {}, [[[]]], "x".repeat(100), { type: "put" }, ...WEIRD_NUMBERS];
const TYPES = ["get", "put", "ok", "fail", "redirect", "vote", "voted", "append", "appended", "hello", "", "APPEND", "__proto__", "constructor"];

export type Mutation = (packet: string, random: Random) => string | Uint8Array;

function parsed(packet: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(packet);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Applies `change` to a random field of the packet's object (or the whole thing if none). */
function onField(packet: string, random: Random, change: (value: unknown) => unknown): string {
  const object = parsed(packet);
  if (object === undefined) return packet;
  const keys = Object.keys(object);
  const key = pick(random, keys.length > 0 ? keys : ["type"]);
  const value = object[key];
  // Reach into entries sometimes: that is where nested, user-supplied data lives.
  if (Array.isArray(value) && value.length > 0 && random() < 0.5) {
    const i = randomInt(random, 0, value.length);
    const inner: unknown = value[i];
    if (Array.isArray(inner) && inner.length > 0) inner[randomInt(random, 0, inner.length)] = change(inner[randomInt(random, 0, inner.length)]);
    else value[i] = change(inner);
  } else {
    object[key] = change(value);
  }
  return JSON.stringify(object);
}

function deep(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

export const MUTATIONS: Record<string, Mutation> = {
  truncate: (p, r) => p.slice(0, randomInt(r, 0, p.length)),
  flipByte: (p, r) => {
    const bytes = encoder.encode(p);
    const flips = 1 + randomInt(r, 0, 3);
    for (let i = 0; i < flips && bytes.length > 0; i++) {
      const at = randomInt(r, 0, bytes.length);
      bytes[at] = (bytes[at] ?? 0) ^ (1 << randomInt(r, 0, 8));
    }
    return bytes;
  },
  randomByte: (p, r) => {
    const bytes = encoder.encode(p);
    if (bytes.length > 0) bytes[randomInt(r, 0, bytes.length)] = randomInt(r, 0, 256);
    return bytes;
  },
  wrongType: (p, r) => onField(p, r, () => pick(r, WEIRD_VALUES)),
  hugeNumber: (p, r) => onField(p, r, () => pick(r, WEIRD_NUMBERS)),
  negativeIndex: (p, r) => {
    const object = parsed(p);
    if (object === undefined) return p;
    for (const key of ["term", "prevIndex", "prevTerm", "commit", "match", "hintIndex", "hintTerm", "lastIndex", "lastTerm"]) {
      if (key in object && r() < 0.5) object[key] = -randomInt(r, 1, 1000);
    }
    return JSON.stringify(object);
  },
  unknownType: (p, r) => {
    const object = parsed(p);
    if (object === undefined) return p;
    object.type = pick(r, TYPES);
    return JSON.stringify(object);
  },
  dropField: (p, r) => {
    const object = parsed(p);
    if (object === undefined) return p;
    const keys = Object.keys(object);
    if (keys.length > 0) delete object[pick(r, keys)];
    return JSON.stringify(object);
  },
  extraField: (p, r) => {
    const object = parsed(p);
    if (object === undefined) return p;
    object[pick(r, ["__proto__", "extra", "entries", "MID", "value", "constructor"])] = pick(r, WEIRD_VALUES);
    return JSON.stringify(object);
  },
  deepNesting: (p, r) => onField(p, r, () => JSON.parse(deep(randomInt(r, 10, 400))) as unknown),
  // 8192 levels is the most a 16384-byte packet can hold.
  deepRaw: (_p, r) => deep(randomInt(r, 1000, 8193)),
  longString: (p, r) => onField(p, r, () => "é𝄞x".repeat(randomInt(r, 4000, 6000))),
  sixteenKiB: (p, r) => {
    const object = parsed(p);
    if (object === undefined) return p;
    object[pick(r, ["key", "value", "MID", "src"])] = "k".repeat(16384);
    return JSON.stringify(object);
  },
  badUtf8: (p, r) => {
    const bytes = encoder.encode(p);
    const out = new Uint8Array(bytes.length + 2);
    out.set(bytes);
    const at = randomInt(r, 0, bytes.length + 1);
    out.copyWithin(at + 2, at, bytes.length);
    out[at] = 0xc3;
    out[at + 1] = 0x28;
    return out;
  },
  notAnObject: (_p, r) => pick(r, ["null", "1", '"append"', "[]", "true", "", " ", "{", "}", "[{}]", "NaN", "1e999"]),
  splice: (p, r) => {
    const a = randomInt(r, 0, p.length + 1);
    const b = randomInt(r, 0, p.length + 1);
    return p.slice(0, Math.min(a, b)) + p.slice(Math.max(a, b)) + p.slice(Math.min(a, b), Math.max(a, b));
  },
};

const NAMES = Object.keys(MUTATIONS);

/** A mutated copy of `packet`, one to three mutations deep; returns the names applied too. */
export function mutate(packet: string, random: Random): { packet: string | Uint8Array; applied: string[] } {
  let current: string | Uint8Array = packet;
  const applied: string[] = [];
  const rounds = 1 + randomInt(random, 0, 3);
  for (let i = 0; i < rounds; i++) {
    const name = pick(random, NAMES);
    const text: string = typeof current === "string" ? current : new TextDecoder().decode(current);
    current = MUTATIONS[name]!(text, random);
    applied.push(name);
  }
  return { packet: current, applied };
}

/** Bytes with no structure at all. */
export function randomBytes(random: Random): Uint8Array {
  const bytes = new Uint8Array(randomInt(random, 0, 300));
  for (let i = 0; i < bytes.length; i++) bytes[i] = randomInt(random, 0, 256);
  return bytes;
}
