// Encoding an AppendEntries with 100 put entries. Ours writes each entry's JSON once
// (encodeEntry caches it on the entry) and splices the cached texts into the packet, so
// the steady state, where every entry was encoded when first sent and is reused for
// every follower and retransmission, is string concatenation. The cold case pays for
// encoding all 100 entries. The baseline is what a straightforward replica does:
// JSON.stringify of the message with its entry objects, on the same objects every call
// (against the steady state) and on fresh ones (against the cold case: fresh objects
// also cost cache misses, whoever serialises them).
import { bench, do_not_optimize, group, run, summary } from "mitata";
import type { AppendRequest, LogEntry } from "../src/raft/types.ts";
import { encode } from "../src/wire/encode.ts";
import { decode } from "../src/wire/schema.ts";
import { compare, printRatios } from "./compare.ts";
import { putEntries } from "./fixtures.ts";

const LEADER = "0002";
const NAIVE = "naive: JSON.stringify of message + entry objects";
const NAIVE_FRESH = "naive, cold: JSON.stringify, 100 fresh entry objects";

function appendWith(entries: readonly LogEntry[]): AppendRequest {
  return { type: "append", src: LEADER, dst: "0003", term: 3, quiet: false, prevIndex: 48_211, prevTerm: 3, entries, commit: 48_200, sentAt: 1_734_512.25 };
}

/** Entries as fresh objects without a cached encoding. */
function freshCopies(entries: readonly LogEntry[]): LogEntry[] {
  return entries.map((e) => ({ term: e.term, key: e.key, value: e.value, client: e.client, mid: e.mid }));
}

export function register(): void {
  const template = putEntries(100);
  const cached = appendWith(freshCopies(template));
  encode(cached, LEADER); // every entry now carries its JSON: the steady state
  const plain = appendWith(freshCopies(template)); // never encoded: no `json` fields to serialise
  const decoded = decode(encode(cached, LEADER));
  if (!decoded.ok || decoded.message.type !== "append" || decoded.message.entries.length !== 100) throw new Error("encode bench: our append does not decode");

  group("encode AppendEntries with 100 put entries", () => {
    summary(() => {
      bench("encode() steady state (entry JSON cached)", () => do_not_optimize(encode(cached, LEADER))).baseline(true);
      bench("encode() cold (100 fresh entries each call)", function* () {
        yield { [0]: () => appendWith(freshCopies(template)), bench: (m: AppendRequest) => do_not_optimize(encode(m, LEADER)) };
      });
      bench(NAIVE, () => do_not_optimize(JSON.stringify({ ...plain, leader: LEADER })));
      bench(NAIVE_FRESH, function* () {
        yield { [0]: () => appendWith(freshCopies(template)), bench: (m: AppendRequest) => do_not_optimize(JSON.stringify({ ...m, leader: LEADER })) };
      });
    });
  });
  compare({ title: "append×100 encode, steady vs JSON.stringify", ours: "encode() steady state (entry JSON cached)", baseline: NAIVE, target: 3 });
  compare({ title: "append×100 encode, cold vs JSON.stringify", ours: "encode() cold (100 fresh entries each call)", baseline: NAIVE_FRESH });
}

if (import.meta.main) {
  register();
  printRatios(await run({ colors: process.stdout.isTTY === true }));
}
