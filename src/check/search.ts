// The Wing–Gong linearizability search with Porcupine's cache, for one key's register.
// Depth-first: repeatedly pick a pending operation whose call precedes every outstanding
// return, apply it to the register if legal, and backtrack when a return is reached whose
// operation could not be placed. (linearized set, register value) pairs already explored
// are cached, which makes low-concurrency histories nearly linear to check.
//
// Three register-specific reductions, each keeping at least one valid order if any exists,
// cut the branching where concurrency is high: legal gets go first without branching; of
// same-valued puts that may go next only the earliest-returning is tried; and unanswered
// puts are placed only right before a get that reads them (otherwise they go last).

import { Bitset } from "./bitset.ts";
import { buildEntries, lift, unlift, type Entry } from "./entries.ts";
import type { KeyOp } from "./key-op.ts";

export type SearchVerdict = "ok" | "fail" | "timeout";

export interface SearchResult {
  verdict: SearchVerdict;
  steps: number;
}

/** The register's value, or null for any value no get reads (they are indistinguishable). */
type State = string | null;

interface CacheItem {
  linearized: Bitset;
  state: State;
}

function cacheAdd(cache: Map<number, CacheItem[]>, item: CacheItem): boolean {
  const h = item.linearized.hash();
  const bucket = cache.get(h);
  if (bucket === undefined) {
    cache.set(h, [item]);
    return true;
  }
  for (const seen of bucket) {
    if (seen.state === item.state && seen.linearized.equals(item.linearized)) return false;
  }
  bucket.push(item);
  return true;
}

/** A get of a value no put wrote (and not the initial value) can never be linearized. */
function readsUnwrittenValue(ops: readonly KeyOp[], initialValue: string): boolean {
  const written = new Set<string>([initialValue]);
  for (const op of ops) if (op.kind === "put") written.add(op.value);
  return ops.some((op) => op.kind === "get" && !written.has(op.value));
}

interface Frame {
  entry: Entry;
  state: State;
  /** A legal get taken greedily: no alternative at this depth needs trying (see below). */
  forced: boolean;
}

export function searchKey(ops: readonly KeyOp[], initialValue: string, maxSteps: number): SearchResult {
  if (readsUnwrittenValue(ops, initialValue)) return { verdict: "fail", steps: 0 };
  const head = buildEntries(ops);
  const linearized = new Bitset(ops.length);
  const cache = new Map<number, CacheItem[]>();
  const stack: Frame[] = [];
  // Values no get reads only ever make gets illegal, so they all act alike; merging them
  // lets the same-value rule below treat all such puts as interchangeable.
  const read = new Set<string>();
  for (const op of ops) if (op.kind === "get") read.add(op.value);
  const written: State[] = ops.map((op) => (op.kind === "put" && read.has(op.value) ? op.value : null));
  let state: State = read.has(initialValue) ? initialValue : null;
  let entry = head.next;
  let steps = 0;
  // Answered ops still to place; once none is left, unanswered puts can all go last.
  let remaining = ops.filter((op) => op.ret !== Number.POSITIVE_INFINITY).length;

  // Is a get reading `value` among the ops that may go next (calls before the first return)?
  const readerWaiting = (value: string): boolean => {
    for (let e = head.next; e !== null && e.match !== null; e = e.next) {
      steps++;
      const o = ops[e.op] as KeyOp;
      if (o.kind === "get" && o.value === value) return true;
    }
    return false;
  };

  // Undo frames until one leaves an untried alternative; false when none is left.
  const backtrack = (): boolean => {
    for (;;) {
      const top = stack.pop();
      if (top === undefined) return false;
      state = top.state;
      linearized.clear(top.entry.op);
      unlift(top.entry);
      entry = top.entry.next;
      if (ops[top.entry.op]?.ret !== Number.POSITIVE_INFINITY) remaining++;
      if (!top.forced) return true;
    }
  };

  // Of the puts of one value that may go next, take only the one that returns first (ties:
  // list order). Swapping two such puts in any valid order keeps it valid — the earlier-
  // returning one can only have fewer ops that must follow it — so the others would just
  // repeat the same search under other names.
  const outranked = (put: Entry): boolean => {
    const mine = ops[put.op] as KeyOp;
    const value = written[put.op];
    let before = true;
    for (let e = head.next; e !== null && e.match !== null; e = e.next) {
      steps++;
      if (e === put) {
        before = false;
        continue;
      }
      const o = ops[e.op] as KeyOp;
      if (o.kind === "put" && written[e.op] === value && (o.ret < mine.ret || (o.ret === mine.ret && before))) return true;
    }
    return false;
  };

  // An unanswered put need only be placed right before a get that reads it: anywhere else it
  // is either overwritten unseen (so it may as well go last) or redundant.
  const worthPlacing = (put: Entry): boolean => {
    const op = ops[put.op] as KeyOp;
    if (outranked(put)) return false;
    if (op.ret !== Number.POSITIVE_INFINITY) return true;
    return op.value !== state && readerWaiting(op.value);
  };

  while (remaining > 0) {
    if (++steps > maxSteps) return { verdict: "timeout", steps };
    const current = entry as Entry; // a return entry always precedes the list's end while ops remain
    if (current.match === null) {
      // This operation must already be linearized to get past its return.
      if (!backtrack()) return { verdict: "fail", steps };
      continue;
    }
    const op = ops[current.op] as KeyOp;
    // Register semantics: a put always applies; a get is legal only if it read the current value.
    if (op.kind === "get" ? op.value !== state : !worthPlacing(current)) {
      entry = current.next;
      continue;
    }
    // A legal get that can go now may as well go now: it changes no state, and any valid
    // order that places it later stays valid with it moved here. So if that fails, this
    // whole node fails, and trying other ops first would only repeat the work.
    const forced = op.kind === "get";
    const next = op.kind === "put" ? (written[current.op] as State) : state;
    const nextLinearized = linearized.clone();
    nextLinearized.set(current.op);
    if (cacheAdd(cache, { linearized: nextLinearized, state: next })) {
      // A new node costs memory as well as time; charging for it bounds both by maxSteps.
      steps += 8 + nextLinearized.words.length;
      stack.push({ entry: current, state, forced });
      state = next;
      linearized.set(current.op);
      lift(current);
      if (op.ret !== Number.POSITIVE_INFINITY) remaining--;
      entry = head.next;
    } else if (forced) {
      if (!backtrack()) return { verdict: "fail", steps };
    } else {
      entry = current.next;
    }
  }
  return { verdict: "ok", steps };
}
