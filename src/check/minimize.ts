// Shrinks a non-linearizable key history to a small one that is still non-linearizable, so
// the explanation shows the handful of operations at fault rather than thousands.
//
// Only sound removals are tried: dropping a get never makes a linearizable history
// non-linearizable, and dropping a put is sound when every get that returned its value is
// dropped with it (otherwise a read would lose its source and look like a bug it is not).

import type { KeyOp } from "./key-op.ts";
import { searchKey } from "./search.ts";

export interface Minimized {
  ops: KeyOp[];
  /** False when the step budget ran out first: ops still fail, but may not be minimal. */
  minimal: boolean;
}

function without(current: readonly KeyOp[], chunk: readonly KeyOp[]): KeyOp[] {
  const removed = new Set(chunk);
  const lostValues = new Set<string>();
  for (const op of chunk) if (op.kind === "put") lostValues.add(op.value);
  return current.filter((op) => !removed.has(op) && !(op.kind === "get" && lostValues.has(op.value)));
}

/** ddmin-style: try removing halves, then quarters, ... then single operations, in call order. */
export function minimizeFailure(ops: readonly KeyOp[], initialValue: string, budget: number): Minimized {
  let current = [...ops].sort((a, b) => a.call - b.call || a.ret - b.ret);
  let remaining = budget;
  let chunk = Math.max(1, Math.ceil(current.length / 2));
  for (;;) {
    let i = 0;
    while (i < current.length) {
      const candidate = without(current, current.slice(i, i + chunk));
      if (candidate.length === 0) {
        i += chunk;
        continue;
      }
      const { verdict, steps } = searchKey(candidate, initialValue, remaining);
      remaining -= steps;
      if (verdict === "timeout" || remaining <= 0) return { ops: current, minimal: false };
      if (verdict === "fail") current = candidate; // keep i: the next chunk slid into place
      else i += chunk;
    }
    if (chunk === 1) return { ops: current, minimal: true };
    chunk = Math.ceil(chunk / 2);
  }
}
