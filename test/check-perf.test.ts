// Performance sanity: a DST-sized history should check far inside a second. Timing is
// printed, not asserted, because the machine is shared.

import { expect, test } from "bun:test";
import { checkHistory, randomLinearizableHistory } from "../src/check/index.ts";

test("5 clients x 2000 ops on 5 keys", () => {
  const history = randomLinearizableHistory(42, { clients: 5, opsPerClient: 2000, keys: 5, unknownRatio: 0.05 });
  const started = performance.now();
  const result = checkHistory(history);
  const ms = performance.now() - started;
  console.log(`perf: checked ${history.length} ops on 5 keys in ${ms.toFixed(1)} ms`);
  expect(result).toEqual({ ok: true });
});

test("2000 ops on one key with small value domain and unknown puts", () => {
  const history = randomLinearizableHistory(7, { clients: 5, opsPerClient: 400, keys: 1, values: 3, unknownRatio: 0.1 });
  const started = performance.now();
  const result = checkHistory(history);
  const ms = performance.now() - started;
  console.log(`perf: checked ${history.length} ops on 1 key (3 values, 10% unknown) in ${ms.toFixed(1)} ms`);
  expect(result).toEqual({ ok: true });
});

test("shrinking a violation in a 10,000-op history", () => {
  const history = randomLinearizableHistory(43, { clients: 5, opsPerClient: 2000, keys: 5 });
  const onK0 = history.filter((op) => op.key === "k0" && op.outcome === "ok").sort((a, b) => a.call - b.call);
  const first = onK0.find((op) => op.kind === "put");
  const last = onK0.filter((op) => op.kind === "get").at(-1);
  if (first === undefined || last === undefined) throw new Error("generator produced no put or get on k0");
  last.value = first.value; // the first value written is long overwritten by the end
  const started = performance.now();
  const result = checkHistory(history);
  const ms = performance.now() - started;
  console.log(`perf: found and shrank a stale read among ${history.length} ops in ${ms.toFixed(1)} ms`);
  expect(result.ok).toBe(false);
  if (result.ok === false) console.log(result.explanation);
});
