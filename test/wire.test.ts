// The codec: every message survives a round trip, bad packets are refused with a reason,
// and appends built from the log never reach the 16 KiB packet limit.
import { describe, expect, test } from "bun:test";
import { MAX_PACKET_BYTES } from "../src/net/packet-socket.ts";
import { RaftLog } from "../src/raft/log.ts";
import { DEFAULT_CONFIG, type RaftMessage } from "../src/raft/types.ts";
import { encode, entrySize } from "../src/wire/encode.ts";
import type { ClientReply } from "../src/wire/messages.ts";
import { decode } from "../src/wire/schema.ts";
import { checkFastPathAgrees } from "../bench/decode-agree.ts";

const peerMessages: RaftMessage[] = [
  { type: "vote", src: "0001", dst: "0002", term: 3, pre: true, lastIndex: 9, lastTerm: 2 },
  { type: "voted", src: "0002", dst: "0001", term: 3, pre: false, granted: true, commit: 7, told: 0, ackTerm: 3, acked: 9 },
  {
    type: "append",
    quiet: false,
    src: "0001",
    dst: "0003",
    term: 3,
    prevIndex: 4,
    prevTerm: 2,
    entries: [{ term: 3 }, { term: 3, floor: 2 }, { term: 3, key: 'k"\\ü', value: "v\n", client: "0015", mid: "MID1" }],
    commit: 4,
    sentAt: 1234.5,
  },
  { type: "appended", src: "0003", dst: "0001", term: 3, success: false, match: 0, hintIndex: 3, hintTerm: 2, sentAt: 1234.5 },
  { type: "appended", src: "0003", dst: "0001", term: 3, success: true, match: 9, hintIndex: 0, hintTerm: 0, sentAt: 1234.5, relay: { peer: "0002", match: 9 } },
  { type: "appended", src: "0003", dst: "0001", term: 3, success: true, match: 9, hintIndex: 0, hintTerm: 0, sentAt: 1234.5, relay: { peer: "0002", match: 8, sentAt: 1200.25 } },
];

/** What encode() wrote before its per-type paths: the header, then the other fields as JSON.stringify orders them. */
function genericText(message: RaftMessage | ClientReply, leader: string): string {
  const { type, src, dst, ...rest } = message;
  const header = { src, dst, leader: type === "redirect" ? (rest as { leader: string }).leader : leader, type };
  if ("leader" in rest) delete (rest as { leader?: string }).leader;
  return JSON.stringify({ ...header, ...rest });
}

describe("wire codec", () => {
  for (const message of peerMessages) {
    test(`${message.type} survives encode and decode`, () => {
      const expected = structuredClone(message); // encode() caches entry text on the entries it sends
      const decoded = decode(encode(message, "0001"));
      expect(decoded).toEqual({ ok: true, message: { ...expected, leader: "0001" } as never });
    });
  }

  test("answers and client replies are written exactly as the generic path wrote them", () => {
    const replies: ClientReply[] = [
      { type: "ok", src: "0001", dst: "0015", MID: "m\"1", value: "v\u00e9\n" },
      { type: "ok", src: "0001", dst: "0015", MID: "m2" },
      { type: "redirect", src: "0002", dst: "0015", MID: "m3", leader: "0004" },
      { type: "fail", src: "0002", dst: "0015", MID: "m4" },
    ];
    for (const message of [...peerMessages.filter((m) => m.type === "appended"), ...replies]) {
      expect(encode(message, "0001")).toBe(genericText(message, "0001"));
    }
  });

  test("client replies carry the leader field, and a redirect names its target", () => {
    expect(JSON.parse(encode({ type: "ok", src: "0001", dst: "0015", MID: "m", value: "v" }, "0001"))).toEqual({ src: "0001", dst: "0015", leader: "0001", type: "ok", MID: "m", value: "v" });
    expect(JSON.parse(encode({ type: "redirect", src: "0002", dst: "0015", MID: "m", leader: "0004" }, undefined))).toEqual({ src: "0002", dst: "0015", leader: "0004", type: "redirect", MID: "m" });
    expect(JSON.parse(encode({ type: "fail", src: "0002", dst: "0015", MID: "m" }, undefined)).leader).toBe("FFFF");
  });

  test("bad packets are refused with a reason, never thrown", () => {
    const bad = ["", "{", "null", "[]", '{"type":"put"}', '{"src":"0015","dst":"0001","type":"get","MID":1,"key":"k"}', '{"src":"a","dst":"b","type":"nope"}', new Uint8Array([0xc3, 0x28])];
    for (const packet of bad) {
      const result = decode(packet);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
    }
    const huge = '{"src":"0001","dst":"0002","type":"vote","term":1e300,"pre":false,"lastIndex":0,"lastTerm":0}';
    expect(decode(huge).ok).toBe(false);
  });

  test("appends built from the log stay under the packet limit", () => {
    const log = new RaftLog();
    for (let i = 0; i < 2000; i++) log.append({ term: 7, key: "k".repeat(32) + i, value: "v".repeat(32), client: "0015", mid: "M".repeat(16) });
    let from = 1;
    let packets = 0;
    while (from <= log.lastIndex) {
      const entries = log.slice(from, DEFAULT_CONFIG.maxAppendBytes, entrySize);
      const text = encode({ type: "append", quiet: false, src: "0000", dst: "0001", term: 7, prevIndex: from - 1, prevTerm: 7, entries, commit: 0, sentAt: 1e12 }, "0000");
      expect(Buffer.byteLength(text)).toBeLessThan(MAX_PACKET_BYTES);
      from += entries.length;
      packets++;
    }
    expect(packets).toBeGreaterThan(1);
  });
});

describe("decode fast paths", () => {
  test("accept, reject and produce exactly what the valibot schema does", () => {
    // Throws with the first disagreeing packet; thousands of mutated client and peer packets.
    expect(checkFastPathAgrees()).toBeGreaterThan(5000);
  });
});
