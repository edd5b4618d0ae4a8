// A small seeded PRNG (mulberry32) so that a run is reproducible from its seed: the same
// seed gives the same request schedule, MIDs, keys, drops and event choices. Separate
// streams keep one concern's draws from shifting another's (drops depend on how many
// packets replicas send, which must not change which client sends the next request).

import { seededRandom, type Random } from "../util/prng.ts";

export class Rng {
  /** Uniform in [0, 1). */
  readonly next: Random;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick on an empty list");
    return items[this.int(items.length)]!;
  }

  /** A random string over `alphabet` (the classic simulator's MIDs and keys). */
  string(size: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"): string {
    let out = "";
    for (let i = 0; i < size; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** An independent stream for `label`, derived from `seed` (FNV-1a mixed with splitmix). */
  static stream(seed: number, label: string): Rng {
    let h = 0x811c9dc5 ^ (seed >>> 0);
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return new Rng((h ^ (h >>> 16)) >>> 0);
  }
}

/** A seed for runs whose scenario has none: printed, so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/** Scenario seeds may be any integer or string (the classic one accepted any hashable). */
export function seedToNumber(seed: number | string): number {
  if (typeof seed === "number") return seed >>> 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
