// Commit-index advance: the quorum-th largest match index. Ours insertion-sorts into a
// preallocated Float64Array (src/raft/quorum.ts); the naive baseline copies and sorts
// an array on every call. Both see the same inputs, rotated so the JIT cannot hoist.
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { majority, quorumValue } from "../src/raft/quorum.ts";
import { seededRandom } from "../src/util/prng.ts";
import { bytesPerCall } from "./alloc.ts";
import { compare, printRatios } from "./compare.ts";

const SIZES = [5, 21] as const;
const POOL = 256;

interface Inputs {
  readonly typed: Float64Array[];
  readonly plain: number[][];
}

/** Leader's last index first, then followers' matches somewhat behind it. */
function inputs(size: number, seed: number): Inputs {
  const random = seededRandom(seed);
  const typed: Float64Array[] = [];
  const plain: number[][] = [];
  for (let p = 0; p < POOL; p++) {
    const last = 100_000 + Math.floor(random() * 1000);
    const values = [last];
    for (let i = 1; i < size; i++) values.push(last - Math.floor(random() * 64));
    typed.push(Float64Array.from(values));
    plain.push(values);
  }
  return { typed, plain };
}

function naiveQuorum(matches: readonly number[]): number {
  return [...matches].sort((a, b) => b - a)[majority(matches.length) - 1]!;
}

const oursName = (n: number): string => `quorumValue() n=${n} (ours: insertion sort, scratch array)`;
const naiveName = (n: number): string => `naive n=${n}: [...matches].sort()[majority-1]`;

export function register(): void {
  for (const n of SIZES) {
    const { typed, plain } = inputs(n, n);
    const scratch = new Float64Array(n);
    for (let p = 0; p < POOL; p++) {
      if (quorumValue(typed[p]!, scratch) !== naiveQuorum(plain[p]!)) throw new Error("quorum bench: ours and naive disagree");
    }
    let nextTyped = 0;
    let nextPlain = 0;
    group(`commit-index advance, ${n} replicas`, () => {
      summary(() => {
        bench(oursName(n), function* () {
          yield { [0]: () => typed[nextTyped++ & (POOL - 1)]!, bench: (v: Float64Array) => do_not_optimize(quorumValue(v, scratch)) };
        }).baseline(true);
        bench(naiveName(n), function* () {
          yield { [0]: () => plain[nextPlain++ & (POOL - 1)]!, bench: (v: number[]) => do_not_optimize(naiveQuorum(v)) };
        });
      });
    });
    compare({ title: `commit advance, ${n} replicas`, ours: oursName(n), baseline: naiveName(n) });
  }
}

/** Sets of trials ours may take to read under 1 B/call (see allocationReport). */
const SETS = 3;

/** Heap bytes per call of each, outside mitata: ours must stay under 1 B/call (alloc.ts). */
export function allocationReport(print: (line: string) => void = console.log): boolean {
  let clean = true;
  print("");
  print("allocation per commit-index advance (bun:jsc heap counter, median of 5 × 10,000 calls):");
  for (const n of SIZES) {
    const { typed, plain } = inputs(n, n);
    const scratch = new Float64Array(n);
    let sink = 0;
    let i = 0;
    const oursCall = () => { sink += quorumValue(typed[i++ & (POOL - 1)]!, scratch); };
    // A set that reads 1 B/call or more is measured again, up to SETS times in all: the JIT
    // compiling inside the windows shows as a 64 KiB block or two in one set and not the
    // next (13.1 B/call at n=5 in one run of three, 0.0 after), while a function that
    // allocates on every call reads at least 16 B/call in every set.
    let ours = Number.POSITIVE_INFINITY;
    let million = Number.POSITIVE_INFINITY;
    let sets = 0;
    while (!(ours < 1 && million < 1) && sets < SETS) {
      sets++;
      ours = bytesPerCall(oursCall);
      // And once over a million calls: any per-call allocation would show as megabytes.
      million = bytesPerCall(oursCall, 1_000_000, 1);
    }
    const naive = bytesPerCall(() => { sink += naiveQuorum(plain[i++ & (POOL - 1)]!); });
    do_not_optimize(sink);
    const none = ours < 1 && million < 1;
    if (!none) clean = false;
    print(
      `  n=${String(n).padEnd(3)} ours ${ours.toFixed(1).padStart(5)} B/call (${million.toFixed(2)} B/call over 10^6 calls)   naive ${naive.toFixed(1).padStart(6)} B/call` +
        (none ? "   (ours: no allocation)" : "   (ours ALLOCATES)") +
        (sets > 1 ? `   (ours measured in ${sets} sets)` : ""),
    );
  }
  return clean;
}

if (import.meta.main) {
  register();
  printRatios(await run({ colors: process.stdout.isTTY === true }));
  allocationReport();
}
