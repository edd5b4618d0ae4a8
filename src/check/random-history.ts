// Generates histories that are linearizable by construction: a real register is driven by
// clients with random overlapping intervals, each operation taking effect at a random point
// inside its interval. Used to test the checker against false alarms.

import { seededRandom } from "../util/prng.ts";
import type { Operation } from "./types.ts";

export interface RandomHistoryOptions {
  clients: number;
  opsPerClient: number;
  keys: number;
  /** Fraction of operations that are puts. */
  putRatio?: number;
  /** Fraction of operations whose outcome the client never learns. */
  unknownRatio?: number;
  /** Size of the value domain; 0 gives every put a distinct value. Small domains make reads ambiguous. */
  values?: number;
  /** Longest pause between a client's operations and longest operation, in virtual ms. */
  maxGap?: number;
  maxDuration?: number;
}

export { seededRandom };

export function randomLinearizableHistory(seed: number, options: RandomHistoryOptions): Operation[] {
  const rand = seededRandom(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const { clients, opsPerClient, keys } = options;
  const putRatio = options.putRatio ?? 0.5;
  const unknownRatio = options.unknownRatio ?? 0;
  const values = options.values ?? 0;
  const maxGap = options.maxGap ?? 5;
  const maxDuration = options.maxDuration ?? 10;

  const ops: Operation[] = [];
  const effects: { at: number; op: Operation }[] = [];
  let nextValue = 0;
  for (let c = 0; c < clients; c++) {
    let now = 0;
    for (let i = 0; i < opsPerClient; i++) {
      const kind = rand() < putRatio ? "put" : "get";
      const call = now + int(maxGap + 1);
      const ret = call + int(maxDuration + 1);
      const unknown = rand() < unknownRatio;
      const op: Operation = { client: `c${c}`, kind, key: `k${int(keys)}`, call, ret: unknown ? undefined : ret, outcome: unknown ? "unknown" : "ok" };
      if (kind === "put") op.value = values > 0 ? `v${int(values)}` : `v${nextValue++}`;
      ops.push(op);
      // An unanswered op may never apply, or apply long after the client gave up (a late retry).
      if (!unknown) effects.push({ at: call + rand() * (ret - call), op });
      else if (rand() < 0.5) effects.push({ at: call + rand() * 4 * (maxDuration + 1), op });
      now = ret;
    }
  }
  effects.sort((a, b) => a.at - b.at);
  const register = new Map<string, string>();
  for (const { op } of effects) {
    if (op.kind === "put") register.set(op.key, op.value as string);
    else {
      const seen = register.get(op.key);
      if (seen === undefined) delete op.value;
      else op.value = seen;
    }
  }
  return ops;
}
