// Decode + validate a client put, as it comes off the socket (bytes), beside a naive
// decoder (a fresh TextDecoder, JSON.parse, then a generic table-driven validator that
// builds its rules and its output the straightforward way), beside decode() as it was
// before its client fast path (valibot for every packet), and beside JSON.parse alone,
// the floor that no validating decoder can beat.
import { bench, do_not_optimize, group, run, summary } from "mitata";
import type { InboundMessage } from "../src/wire/messages.ts";
import { encode } from "../src/wire/encode.ts";
import { decode, decodeBySchema, type DecodeResult } from "../src/wire/schema.ts";
import { compare, printRatios } from "./compare.ts";
import { checkFastPathAgrees } from "./decode-agree.ts";
import { putPackets } from "./fixtures.ts";

type Rule = "id" | "text" | "count" | "boolean" | "number";

const HEADER: Record<string, Rule> = { src: "id", dst: "id" };
const RULES: Record<string, Record<string, Rule>> = {
  get: { MID: "text", key: "text" },
  put: { MID: "text", key: "text", value: "text" },
  vote: { term: "count", pre: "boolean", lastIndex: "count", lastTerm: "count" },
  voted: { term: "count", pre: "boolean", granted: "boolean", commit: "count" },
};

function check(rule: Rule, value: unknown): string | undefined {
  switch (rule) {
    case "id":
      return typeof value === "string" && value.length <= 64 ? undefined : "expected an ID";
    case "text":
      return typeof value === "string" ? undefined : "expected a string";
    case "count":
      return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < Number.MAX_SAFE_INTEGER ? undefined : "expected a count";
    case "boolean":
      return typeof value === "boolean" ? undefined : "expected a boolean";
    case "number":
      return typeof value === "number" ? undefined : "expected a number";
  }
}

/** The naive baseline: correct for client requests and votes, written without care for speed. */
export function naiveDecode(packet: Uint8Array): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(packet));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { ok: false, reason: "not an object" };
  const record = parsed as Record<string, unknown>;
  const type = record["type"];
  if (typeof type !== "string" || !Object.keys(RULES).includes(type)) return { ok: false, reason: "unknown type" };
  const rules: Record<string, Rule> = { ...HEADER, ...RULES[type] };
  const out: Record<string, unknown> = { type };
  for (const [field, rule] of Object.entries(rules)) {
    const problem = check(rule, record[field]);
    if (problem !== undefined) return { ok: false, reason: `invalid message at ${field}: ${problem}` };
    out[field] = record[field];
  }
  if (record["leader"] !== undefined) {
    const problem = check("id", record["leader"]);
    if (problem !== undefined) return { ok: false, reason: `invalid message at leader: ${problem}` };
    out["leader"] = record["leader"];
  }
  return { ok: true, message: out as unknown as InboundMessage };
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });

const OURS = "decode() (ours: hand-checked fast path for get/put)";
const BEFORE = "decodeBySchema() (before: valibot for every packet)";
const NAIVE = "naive: new TextDecoder + JSON.parse + table validator";
const FLOOR = "floor: TextDecoder + JSON.parse, no validation";
const OURS_APPEND = "decode() append (ours: hand-checked peer fast path)";
const BEFORE_APPEND = "decodeBySchema() append (before: valibot)";

/** Registers one decoder on the packets `next` hands out. */
function benchDecoder(name: string, next: () => Uint8Array, decoder: (packet: Uint8Array) => unknown) {
  return bench(name, function* () {
    yield { [0]: next, bench: (p: Uint8Array) => do_not_optimize(decoder(p)) };
  });
}

/** Hands out 64 packets in turn, so no one packet's shape is all the JIT sees. */
function cycle(packets: readonly Uint8Array[]): () => Uint8Array {
  if (packets.length !== 64) throw new Error("decode bench: expected 64 packets");
  let next = 0;
  return () => packets[next++ & 63]!;
}

export function register(): void {
  checkFastPathAgrees(); // the fast path changes speed only, never the outcome
  const packets = putPackets(64);
  // Sanity: every decoder accepts every packet, with the same fields.
  for (const packet of packets) {
    const ours = decode(packet);
    const naive = naiveDecode(packet);
    if (!ours.ok || !naive.ok || JSON.stringify(Object.entries(ours.message).sort()) !== JSON.stringify(Object.entries(naive.message).sort())) {
      throw new Error("decode bench: decoders disagree on a put packet");
    }
  }
  const packet = cycle(packets);

  group("decode + validate a client put (32-char key, 32-hex value, 16-char MID; bytes in)", () => {
    summary(() => {
      benchDecoder(OURS, packet, decode).baseline(true);
      benchDecoder(BEFORE, packet, decodeBySchema);
      benchDecoder(NAIVE, packet, naiveDecode);
      benchDecoder(FLOOR, packet, (p) => JSON.parse(textDecoder.decode(p)));
    });
  });
  // What a follower decodes for every put: a relayed append of two entries (its pair's and
  // its own, as puts take turns). Measured in the binary on simple-1 this went from ~60 to
  // ~35 µs per packet at the followers (cold); here, hot, the ratio of the code itself.
  const appendPackets = Array.from({ length: 64 }, (_, i) =>
    new TextEncoder().encode(
      encode(
        {
          type: "append", quiet: false, src: "0001", dst: "0002", term: 3, prevIndex: 100 + i, prevTerm: 3, commit: 100 + i, sentAt: 1234.5 + i,
          entries: [0, 1].map((j) => ({ term: 3, key: `key-${i}-${j}`.padEnd(32, "k"), value: "0123456789abcdef0123456789abcdef", client: "001A", mid: `MID${i}${j}`.padEnd(16, "m") })),
          relay: { leader: "0000", match: 102 + i },
        },
        "0000",
      ),
    ),
  );
  for (const p of appendPackets) if (!decode(p).ok) throw new Error("decode bench: an append packet was refused");
  const appendPacket = cycle(appendPackets);
  group("decode + validate a relayed append of two puts (bytes in)", () => {
    summary(() => {
      benchDecoder(OURS_APPEND, appendPacket, decode).baseline(true);
      benchDecoder(BEFORE_APPEND, appendPacket, decodeBySchema);
    });
  });
  compare({ title: "decode append, fast path vs valibot only", ours: OURS_APPEND, baseline: BEFORE_APPEND });
  compare({ title: "decode put vs naive decoder", ours: OURS, baseline: NAIVE });
  compare({ title: "decode put, fast path vs valibot only (before)", ours: OURS, baseline: BEFORE });
  compare({ title: "decode put vs JSON.parse alone (floor)", ours: OURS, baseline: FLOOR });
}

if (import.meta.main) {
  register();
  printRatios(await run({ colors: process.stdout.isTTY === true }));
}
