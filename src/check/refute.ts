// A fast, sound pre-pass: finds a get whose value no write could still have supplied, judging
// by intervals alone. Most real anomalies (stale, future and phantom reads) are of this kind,
// and this finds them in O(n log n + reads × writes of the value read) even where the full
// search would run out of budget.

import type { KeyOp } from "./key-op.ts";

/**
 * Returns a small sub-history that is non-linearizable on its own — the read and, for each
 * write of its value, that write and the write that provably overwrote it — or undefined.
 */
export function findImpossibleRead(ops: readonly KeyOp[], initialValue: string): KeyOp[] | undefined {
  const putsByValue = new Map<string, KeyOp[]>();
  for (const op of ops) {
    if (op.kind !== "put") continue;
    const list = putsByValue.get(op.value);
    if (list === undefined) putsByValue.set(op.value, [op]);
    else list.push(op);
  }
  const acked = ops.filter((op) => op.kind === "put" && op.ret !== Number.POSITIVE_INFINITY).sort((a, b) => a.ret - b.ret);
  const gets = ops.filter((op) => op.kind === "get").sort((a, b) => a.call - b.call);

  // Sweep gets by call time, keeping the two latest-starting acknowledged puts (of distinct
  // values) among those already complete: the latest one of a value other than v is the
  // strongest proof that an earlier write of v was overwritten before the get began.
  let latest: KeyOp | undefined;
  let runnerUp: KeyOp | undefined; // latest with a value different from latest's
  let next = 0;
  for (const g of gets) {
    for (; next < acked.length && (acked[next] as KeyOp).ret < g.call; next++) {
      const w = acked[next] as KeyOp;
      if (latest === undefined || w.call > latest.call) {
        if (latest !== undefined && latest.value !== w.value) runnerUp = latest;
        latest = w;
      } else if (w.value !== latest.value && (runnerUp === undefined || w.call > runnerUp.call)) {
        runnerUp = w;
      }
    }
    const overwriter = latest !== undefined && latest.value !== g.value ? latest : runnerUp;
    const sources = putsByValue.get(g.value) ?? [];
    // The initial value is a source too, overwritten once any other write completed.
    if (g.value === initialValue && overwriter === undefined) continue;
    const witness: KeyOp[] = [g];
    let possible = false;
    for (const p of sources) {
      if (p.call > g.ret) witness.push(p); // written only after the read returned
      else if (overwriter !== undefined && p.ret < overwriter.call) witness.push(p, overwriter);
      else {
        possible = true;
        break;
      }
    }
    if (possible) continue;
    if (g.value === initialValue && overwriter !== undefined) witness.push(overwriter);
    return [...new Set(witness)];
  }
  return undefined;
}
