/**
 * Float sums and averages in the order numpy computes them (pairwise summation with 8 accumulators), so that macro
 * and weighted averages agree with seqeval's `np.average` to the last bit in the usual cases.
 */

function pairwise(a: readonly number[], lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i]!;
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => a[lo + j]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[lo + i + j]!;
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[lo + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, lo, n2) + pairwise(a, lo + n2, n - n2);
}

/**
 * Sum of a float list as numpy's `np.sum` adds it.
 *
 * @example
 * npSum([0.1, 0.2, 0.3]); // 0.6000000000000001
 */
export function npSum(a: readonly number[]): number {
  return pairwise(a, 0, a.length);
}

/**
 * `np.average(a)` or `np.average(a, weights)`: NaN for an empty list (numpy's 0/0), and NaN when the weights sum to 0.
 *
 * @example
 * npAverage([1, 0.5], [3, 1]); // 0.875
 */
export function npAverage(a: readonly number[], weights?: readonly number[]): number {
  if (weights === undefined) return npSum(a) / a.length;
  return npSum(a.map((x, i) => x * weights[i]!)) / npSum(weights);
}
