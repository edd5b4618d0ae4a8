// The one seeded generator of the project (mulberry32): the Raft core's election timeouts,
// the simulator's schedules and the deterministic simulation all draw from it, so a seed
// reproduces a run exactly.
export type Random = () => number;

/** A generator of floats in [0, 1) fully determined by `seed`. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max). */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error("pick from an empty list");
  return items[Math.floor(random() * items.length)]!;
}
