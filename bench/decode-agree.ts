// decode()'s fast path for client gets and puts must accept and reject exactly what the
// valibot schema does, and produce the same message. Checked before the decode benchmark
// on a few thousand mutations of real packets: missing, extra, mistyped and oversized
// fields, every type, with and without a leader.
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

/** Both results, as comparable text: acceptance, the message with its key order, or the reason. */
function signature(result: DecodeResult): string {
  return result.ok ? `ok ${JSON.stringify(Object.entries(result.message))}` : `rejected ${result.reason}`;
}

/** Throws on the first packet where the fast path and the schema disagree; returns the count. */
export function checkFastPathAgrees(): number {
  const encoder = new TextEncoder();
  let checked = 0;
  for (const text of variants()) {
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
