// Majority arithmetic, kept apart so the commit rule reads as one line in the node.

export function majority(clusterSize: number): number {
  return Math.floor(clusterSize / 2) + 1;
}

/**
 * The largest value that at least a majority of `values` reach: the quorum-th largest.
 * Sorts `scratch` in place (insertion sort, no allocation): clusters have 3 to 21 members.
 */
export function quorumValue(values: ArrayLike<number>, scratch: Float64Array): number {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && scratch[j]! < v) {
      scratch[j + 1] = scratch[j]!;
      j--;
    }
    scratch[j + 1] = v;
  }
  return scratch[majority(n) - 1]!;
}
