// Turns a (minimized) failing key history into a sentence a person can act on: it names the
// classic anomaly when one is provably present, and always lists the operations involved.

import type { KeyOp } from "./key-op.ts";

export function formatOp(op: KeyOp): string {
  const s = op.source;
  const when = `[${s.call}, ${op.ret === Number.POSITIVE_INFINITY ? "?" : op.ret}]`;
  const what =
    op.kind === "put"
      ? `put(${JSON.stringify(s.key)}, ${JSON.stringify(op.value)})`
      : `get(${JSON.stringify(s.key)}) -> ${JSON.stringify(op.value)}${s.value === undefined ? " (absent)" : ""}`;
  return `${s.client} ${what} ${s.outcome} ${when}`;
}

const putsOf = (ops: readonly KeyOp[], value: string): KeyOp[] =>
  ops.filter((op) => op.kind === "put" && op.value === value);

/** Each finder returns a sentence only when the anomaly alone proves non-linearizability. */
type Finder = (ops: readonly KeyOp[], initialValue: string) => string | undefined;

const neverWritten: Finder = (ops, initialValue) => {
  for (const g of ops) {
    if (g.kind === "get" && g.value !== initialValue && putsOf(ops, g.value).length === 0) {
      return `read of a value never written: ${formatOp(g)}, but no put wrote ${JSON.stringify(g.value)}`;
    }
  }
  return undefined;
};

const futureRead: Finder = (ops, initialValue) => {
  for (const g of ops) {
    if (g.kind !== "get" || g.value === initialValue) continue;
    const puts = putsOf(ops, g.value);
    if (puts.length > 0 && puts.every((p) => p.call > g.ret)) {
      return `read from the future: ${formatOp(g)} returned before any write of it began (${puts.map(formatOp).join("; ")})`;
    }
  }
  return undefined;
};

const staleRead: Finder = (ops, initialValue) => {
  for (const g of ops) {
    if (g.kind !== "get") continue;
    const sources = putsOf(ops, g.value);
    for (const w of ops) {
      if (w.kind !== "put" || w.value === g.value || !(w.ret < g.call)) continue;
      if (!sources.every((p) => p.ret < w.call)) continue;
      const old = sources.length === 0 && g.value === initialValue ? "the initial value" : "an older value";
      return (
        `stale read: ${formatOp(g)} returned ${old}, but ${formatOp(w)} had completed before the get began` +
        (sources.length > 0 ? `, and every write of ${JSON.stringify(g.value)} had completed before that put began` : "")
      );
    }
  }
  return undefined;
};

const readWentBack: Finder = (ops, initialValue) => {
  for (const first of ops) {
    if (first.kind !== "get" || first.value === initialValue) continue;
    const newer = putsOf(ops, first.value);
    if (newer.length === 0) continue;
    const newerStart = Math.min(...newer.map((p) => p.call));
    for (const later of ops) {
      if (later.kind !== "get" || later.value === first.value || !(first.ret < later.call)) continue;
      if (!putsOf(ops, later.value).every((p) => p.ret < newerStart)) continue;
      return (
        `lost update (read went backwards): ${formatOp(first)} saw the newer value, then ${formatOp(later)} ` +
        `saw an older one, though every write of ${JSON.stringify(later.value)} had completed before any write of ` +
        `${JSON.stringify(first.value)} began`
      );
    }
  }
  return undefined;
};

const readAfterNewer: Finder = (ops) => {
  for (const first of ops) {
    if (first.kind !== "get") continue;
    for (const later of ops) {
      if (later.kind !== "get" || later.value === first.value || !(first.ret < later.call)) continue;
      // Every write of the later value was over before the first read began, so once the
      // first read saw something else, nothing could bring the later value back.
      if (!putsOf(ops, later.value).every((p) => p.ret < first.call)) continue;
      return (
        `stale read: ${formatOp(later)} returned ${JSON.stringify(later.value)}, but ${formatOp(first)} had already ` +
        `seen ${JSON.stringify(first.value)}, and every write of ${JSON.stringify(later.value)} had completed before that read began`
      );
    }
  }
  return undefined;
};

const finders: readonly Finder[] = [neverWritten, futureRead, staleRead, readWentBack, readAfterNewer];

export function explainFailure(key: string, ops: readonly KeyOp[], initialValue: string, minimal: boolean): string {
  const sorted = [...ops].sort((a, b) => a.call - b.call || a.ret - b.ret);
  let sentence: string | undefined;
  for (const find of finders) {
    sentence = find(sorted, initialValue);
    if (sentence !== undefined) break;
  }
  sentence ??= `no order of these ${sorted.length} operations is consistent with a single register`;
  const subset = minimal ? "a minimal non-linearizable subset" : "a non-linearizable subset (shrinking hit its step budget)";
  return [`key ${JSON.stringify(key)}: ${sentence}`, `operations (${subset}, by call time):`, ...sorted.map((op) => `  ${formatOp(op)}`)].join(
    "\n",
  );
}
