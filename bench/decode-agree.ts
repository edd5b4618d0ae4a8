// decode()'s fast path (client gets and puts, and every peer message) must accept and
// reject exactly what the valibot schema does, and produce the same message. Checked
// before the decode benchmark, and by test/wire.test.ts, on a few thousand mutations of
// real packets: missing, extra, mistyped and oversized fields, every type, with and
// without a leader.
import { decode, decodeBySchema, type DecodeResult } from "../src/wire/schema.ts";

const ODD_VALUES: readonly unknown[] = [null, 0, 1.5, -1, true, false, "", "x", "y".repeat(64), "z".repeat(65), "é".repeat(40), [], ["a"], {}, { a: 1 }];
const FIELDS = ["src", "dst", "leader", "type", "MID", "key", "value", "extra", "__proto__", "constructor"] as const;
const TYPES: readonly unknown[] = ["get", "put", "vote", "ok", "GET", "", null, 1];

function base(type: string): Record<string, unknown> {
  return { src: "001A", dst: "0002", leader: "0002", type, MID: "Zq3xV0aLp9Ck2mWe", key: "k".repeat(32), value: "0123456789abcdef0123456789abcdef" };
}

function variants(): string[] {
  const out: string[] = [];
  for (const type of TYPES) {
    const b = base(String(type));
    b["type"] = type;
    out.push(JSON.stringify(b));
    for (const field of FIELDS) {
      const without = { ...b };
      delete without[field];
      out.push(JSON.stringify(without));
      for (const odd of ODD_VALUES) {
        // Written as text so "__proto__" is an own key, as in a packet off the wire.
        const rest = Object.entries(without).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
        out.push(`{${[...rest, `${JSON.stringify(field)}:${JSON.stringify(odd)}`].join(",")}}`);
        out.push(`{${[`${JSON.stringify(field)}:${JSON.stringify(odd)}`, ...rest].join(",")}}`);
      }
    }
  }
  out.push("[]", "null", "\"put\"", "1", "{", "", "{\"type\":\"put\"}", "[{\"type\":\"put\"}]");
  return out;
}

const PEER_BASES: readonly Record<string, unknown>[] = [
  {
    src: "0001", dst: "0002", leader: "0000", type: "append", quiet: false, term: 3, prevIndex: 7, prevTerm: 2,
    entries: [[3, "k".repeat(32), "v".repeat(32), "001A", "Zq3xV0aLp9Ck2mWe"], [3]], commit: 6, sentAt: 1234.5, relayTo: "0003", relay: { leader: "0000", match: 9 },
  },
  { src: "0002", dst: "0000", type: "appended", term: 3, success: true, match: 9, hintIndex: 0, hintTerm: 0, sentAt: 1234.5, relay: { peer: "0001", match: 9 } },
  { src: "0001", dst: "0002", leader: "FFFF", type: "vote", term: 4, pre: true, lastIndex: 9, lastTerm: 3 },
  { src: "0002", dst: "0001", type: "voted", term: 4, pre: false, granted: true, commit: 6, told: 5, ackTerm: 4, acked: 7 },
];
const ODD_ENTRIES: readonly unknown[] = [[], [[]], [[3, "k"]], [[3, "k", "v", "001A", "m", "x"]], [[-1]], [[1.5]], [["3"]], [[3, 1, "v", "001A", "m"]], [[3, "k", "v", "z".repeat(65), "m"]], [{ term: 3 }], [null], [[3], [2, "k", "v", "001A", "m"]]];
const ODD_RELAYS: readonly unknown[] = [{ leader: "0000" }, { peer: "0001", match: -1 }, { leader: "0000", match: 1, extra: 2 }, { peer: "0001", match: 2, leader: "0000" }, { peer: "0001", match: 2, sentAt: 1.5 }, { peer: "0001", match: 2, sentAt: "1.5" }, { peer: "0001", match: 2, sentAt: null }, { sentAt: 3, match: 2, peer: "0001" }, [], [1, 2]];

/** Peer messages and their mutations: every field dropped, mistyped, or replaced. */
function peerVariants(): string[] {
  const out: string[] = [];
  for (const base of PEER_BASES) {
    out.push(JSON.stringify(base));
    const fields = [...Object.keys(base), "extra", "relay", "relayTo", "leader"];
    for (const field of fields) {
      const without = { ...base };
      delete without[field];
      out.push(JSON.stringify(without));
      const replacements = field === "entries" ? [...ODD_VALUES, ...ODD_ENTRIES] : field === "relay" ? [...ODD_VALUES, ...ODD_RELAYS] : ODD_VALUES;
      for (const odd of [...replacements, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, 2 ** 53 + 2, 1e300]) {
        out.push(JSON.stringify({ ...without, [field]: odd }));
      }
    }
  }
  return out;
}

/** Both results, as comparable text: acceptance, the message with its key order, or the reason. */
function signature(result: DecodeResult): string {
  return result.ok ? `ok ${JSON.stringify(Object.entries(result.message))}` : `rejected ${result.reason}`;
}

/** Throws on the first packet where the fast path and the schema disagree; returns the count. */
export function checkFastPathAgrees(): number {
  const encoder = new TextEncoder();
  let checked = 0;
  for (const text of [...variants(), ...peerVariants()]) {
    for (const packet of [text, encoder.encode(text)]) {
      const fast = signature(decode(packet));
      const schema = signature(decodeBySchema(packet));
      if (fast !== schema) throw new Error(`decode fast path disagrees with the schema on ${text}:\n  fast:   ${fast}\n  schema: ${schema}`);
      checked++;
    }
  }
  return checked;
}

if (import.meta.main) console.log(`decode fast path agrees with the schema on ${checkFastPathAgrees()} packets`);
