// Porcupine's event list: every operation's call and return as nodes of one doubly linked
// list in time order, so the search can unlink an operation once it is linearized and
// relink it on backtrack (dancing links) in O(1).

import type { KeyOp } from "./key-op.ts";

export interface Entry {
  /** Index of the operation in the key's op array. */
  op: number;
  /** For a call entry: its return entry. Null for a return entry. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

/** Returns the head sentinel; the real entries follow it. */
export function buildEntries(ops: readonly KeyOp[]): Entry {
  const events: { time: number; isCall: boolean; entry: Entry }[] = [];
  ops.forEach((op, i) => {
    const ret: Entry = { op: i, match: null, prev: null, next: null };
    const call: Entry = { op: i, match: ret, prev: null, next: null };
    events.push({ time: op.call, isCall: true, entry: call }, { time: op.ret, isCall: false, entry: ret });
  });
  // At equal times calls go first: touching intervals count as concurrent, so the checker
  // never blames an order the virtual clock could not distinguish.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.entry.op - b.entry.op : a.isCall ? -1 : 1));
  const head: Entry = { op: -1, match: null, prev: null, next: null };
  let last = head;
  for (const { entry } of events) {
    last.next = entry;
    entry.prev = last;
    last = entry;
  }
  return head;
}

/** Unlinks a call entry and its return entry. */
export function lift(call: Entry): void {
  const ret = call.match as Entry;
  (call.prev as Entry).next = call.next;
  (call.next as Entry).prev = call.prev;
  (ret.prev as Entry).next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Relinks what lift unlinked; must be called in reverse order of the lifts. */
export function unlift(call: Entry): void {
  const ret = call.match as Entry;
  (ret.prev as Entry).next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  (call.prev as Entry).next = call;
  (call.next as Entry).prev = call;
}
