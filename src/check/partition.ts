// Splits a history into per-key sub-histories. A register's keys are independent
// (linearizability is compositional), so each key is checked alone — much smaller searches.

import type { KeyOp } from "./key-op.ts";
import type { Operation } from "./types.ts";

function validate(op: Operation): void {
  if (!Number.isFinite(op.call)) throw new TypeError(`operation call time must be finite: ${JSON.stringify(op)}`);
  if (op.outcome === "ok") {
    if (op.ret === undefined || !Number.isFinite(op.ret)) {
      throw new TypeError(`ok operation needs a finite ret time: ${JSON.stringify(op)}`);
    }
    if (op.ret < op.call) throw new TypeError(`operation returns before it is called: ${JSON.stringify(op)}`);
  }
  if (op.kind === "put" && op.value === undefined) throw new TypeError(`put without a value: ${JSON.stringify(op)}`);
}

/** Per-key operations in first-seen key order, with unknown outcomes resolved and irrelevant ops dropped. */
export function partitionByKey(history: readonly Operation[], initialValue: string): Map<string, KeyOp[]> {
  const byKey = new Map<string, KeyOp[]>();
  for (const op of history) {
    validate(op);
    // A get with no answer constrains nothing: whatever it would have read, nobody saw it.
    if (op.kind === "get" && op.outcome === "unknown") continue;
    const keyOp: KeyOp = {
      kind: op.kind,
      value: op.value ?? initialValue,
      call: op.call,
      ret: op.outcome === "ok" ? (op.ret as number) : Number.POSITIVE_INFINITY,
      source: op,
    };
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [keyOp]);
    else list.push(keyOp);
  }
  for (const [key, ops] of byKey) byKey.set(key, dropUnreadUnknownPuts(ops));
  return byKey;
}

/**
 * An unknown-outcome put whose value no get returned can always be linearized last (its
 * interval never closes), where it affects no read; so it can be dropped. This keeps the
 * search small when a faulty run leaves many puts unanswered.
 */
function dropUnreadUnknownPuts(ops: KeyOp[]): KeyOp[] {
  const read = new Set<string>();
  for (const op of ops) if (op.kind === "get") read.add(op.value);
  return ops.filter((op) => !(op.kind === "put" && op.ret === Number.POSITIVE_INFINITY && !read.has(op.value)));
}
