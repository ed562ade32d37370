import { FetsError } from '../core/errors.js';
import { permutation, seededRandom } from '../core/random.js';

/**
 * One requested part of a split: a fraction of the current size (a float strictly between 0 and 1), an absolute
 * number of samples (an integer ≥ 1), or the explicit indices to remove.
 */
export type SplitSpec = number | readonly number[];

/** Options of {@link splitIndices} and `ViewDataset.split`. */
export interface SplitOptions {
  /** Seed of the random choice of samples (default: a fresh random seed, so unseeded splits differ run to run). */
  seed?: number;
}

/** A split request or its result is inconsistent (too many samples, bad index, overlapping lists). */
export class SplitError extends FetsError {}

/** Number of samples a fraction or count asks for, out of `n` (fractions round down like Python's `int()`). */
function sizeOf(spec: number, n: number): number {
  if (!Number.isFinite(spec) || spec <= 0) {
    throw new SplitError(`split: expected a fraction in (0, 1) or a count >= 1, received ${spec}`);
  }
  if (Number.isInteger(spec)) return spec;
  if (spec >= 1) throw new SplitError(`split: a fraction must be below 1, received ${spec} (use an integer for a count)`);
  return Math.floor(spec * n + 1e-9);
}

/**
 * Chooses which current positions (0 … n-1) go to each requested part; the rest stay. Follows FastEstimator's
 * `split`: fractions and counts draw disjoint random samples (seeded), index lists take exactly those samples; all
 * parts together may not ask for more than n samples, and index lists may not overlap.
 *
 * @returns `parts[k]`: the positions of part k (ascending for fractions and counts, in the given order for index
 *   lists), and `rest`: the ascending positions that stay.
 * @example
 * splitIndices(10, [0.2, 3], { seed: 0 }); // { parts: [[2 positions], [3 positions]], rest: [5 positions] }
 */
export function splitIndices(n: number, specs: readonly SplitSpec[], options: SplitOptions = {}): { parts: number[][]; rest: number[] } {
  if (specs.length === 0) throw new SplitError('split: expected at least one fraction, count or index list');
  const owner = new Int32Array(n).fill(-1);
  const parts: number[][] = specs.map(() => []);
  const random: number[] = [];
  let requested = 0;
  specs.forEach((spec, k) => {
    if (typeof spec === 'number') {
      const size = sizeOf(spec, n);
      requested += size;
      random.push(k);
      return;
    }
    for (const idx of spec) {
      if (!Number.isInteger(idx) || idx < 0 || idx >= n) {
        throw new SplitError(`split: index ${idx} in index list ${k} is out of range for a data set of ${n} samples`);
      }
      if (owner[idx] !== -1) {
        throw new SplitError(`split: index ${idx} appears twice (index lists ${owner[idx]} and ${k})`);
      }
      owner[idx] = k;
      parts[k]!.push(idx);
      requested += 1;
    }
  });
  if (requested > n) {
    throw new SplitError(`split: the parts ask for ${requested} samples but the data set has only ${n}`);
  }
  if (random.length > 0) {
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    const free = permutation(n, seededRandom(seed)).filter((i) => owner[i] === -1);
    let at = 0;
    for (const k of random) {
      const size = sizeOf(specs[k] as number, n);
      for (const idx of free.slice(at, at + size)) owner[idx] = k;
      at += size;
    }
  }
  const rest: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = owner[i]!;
    if (k === -1) rest.push(i);
    else if (random.includes(k)) parts[k]!.push(i);
  }
  return { parts, rest };
}
