// `bun run bench [decode|encode|quorum|throughput ...]`: the hot-path benchmarks, each
// beside a naive baseline in the same run, then the ratios, the allocation check and the
// in-process throughput. With no arguments, all of them (about 20 s).
import { run } from "mitata";
import { printRatios } from "./compare.ts";
import { register as registerDecode } from "./decode.bench.ts";
import { register as registerEncode } from "./encode.bench.ts";
import { allocationReport, register as registerQuorum } from "./quorum.bench.ts";
import { throughputReport } from "./throughput.bench.ts";

/** Colours only on a terminal, so a saved run reads as plain text. */
export const COLORS = process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined;

const PARTS = ["decode", "encode", "quorum", "throughput"] as const;
type Part = (typeof PARTS)[number];

const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(PARTS as readonly string[]).includes(name)) {
    console.error(`unknown benchmark "${name}"; choose from ${PARTS.join(", ")}`);
    process.exit(2);
  }
}
const wanted = (part: Part): boolean => asked.length === 0 || asked.includes(part);

console.log(`kvstore hot-path benchmarks (bun ${Bun.version}, ${process.platform}/${process.arch})`);
const header: Record<Part, string> = {
  decode: "decode:     decode() of a client put packet vs a naive decoder, vs decode() before its fast path (valibot only), vs JSON.parse alone",
  encode: "encode:     encode() of an AppendEntries with 100 entries (cached entry JSON) vs JSON.stringify of entry objects",
  quorum: "quorum:     commit-index advance at 5 and 21 replicas, quorumValue() vs copy+sort; and heap bytes per call",
  throughput: "throughput: committed puts/s of 5 in-process Replicas on a synchronous virtual network",
};
for (const part of PARTS) if (wanted(part)) console.log(`  ${header[part]}`);
console.log("");

// The allocation check first, on a fresh heap: the heap counter is only exact before the
// benchmarks have left collected-but-unreturned blocks behind.
if (wanted("quorum") && !allocationReport()) process.exitCode = 1;
if (wanted("decode")) registerDecode();
if (wanted("encode")) registerEncode();
if (wanted("quorum")) registerQuorum();
if (wanted("decode") || wanted("encode") || wanted("quorum")) printRatios(await run({ colors: COLORS }));
if (wanted("throughput")) throughputReport();
