// Entry point: is a client-observed history linearizable as one read/write register per key?

import { explainFailure } from "./explain.ts";
import { minimizeFailure } from "./minimize.ts";
import { partitionByKey } from "./partition.ts";
import { findImpossibleRead } from "./refute.ts";
import { searchKey } from "./search.ts";
import type { CheckOptions, CheckResult, Operation } from "./types.ts";

/** Search work allowed per key: about a second and ~100 MB in the worst case. */
export const DEFAULT_MAX_STEPS = 20_000_000;

export function checkHistory(history: readonly Operation[], options: CheckOptions = {}): CheckResult {
  const initialValue = options.initialValue ?? "";
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const minimizeSteps = options.minimizeSteps ?? maxSteps;
  let undecided: CheckResult | undefined;
  for (const [key, ops] of partitionByKey(history, initialValue)) {
    const witness = findImpossibleRead(ops, initialValue);
    const verdict = witness === undefined ? searchKey(ops, initialValue, maxSteps).verdict : "fail";
    if (verdict === "fail") {
      const shrunk = minimizeFailure(witness ?? ops, initialValue, minimizeSteps);
      return { ok: false, key, explanation: explainFailure(key, shrunk.ops, initialValue, shrunk.minimal) };
    }
    // Keep going past a timeout: a definite violation on another key is worth more.
    if (verdict === "timeout") {
      undecided ??= { ok: "unknown", key, reason: `timeout: key ${JSON.stringify(key)} (${ops.length} ops) needed more than ${maxSteps} search steps` };
    }
  }
  return undecided ?? { ok: true };
}
