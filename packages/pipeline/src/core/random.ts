/**
 * Small seeded random numbers for data handling (shuffles, splits, per-sample draws). Not cryptographic. The same seed
 * gives the same sequence on every machine and Node version (pure 32-bit integer arithmetic, no `Math.random`).
 */

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type Rng = () => number;

/** Folds any finite number (integer or not, beyond 2^32 or negative) into a 32-bit seed, deterministically. */
function seedBits(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seededRandom: seed must be a finite number, received ${seed}`);
  if (Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32) return seed >>> 0;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, seed);
  return (view.getUint32(0) ^ Math.imul(view.getUint32(4), 0x9e3779b1)) >>> 0;
}

/**
 * A seeded generator of uniform numbers in [0, 1) with 32 bits of resolution (splitmix32: a Weyl sequence through a
 * murmur3-style finaliser, so nearby seeds give unrelated streams).
 *
 * @param seed any finite number; equal seeds give equal sequences.
 * @example
 * const rng = seededRandom(42);
 * rng(); // 0.7…, the same on every run
 */
export function seededRandom(seed: number): Rng {
  let state = seedBits(seed);
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

/**
 * A uniform integer in [0, n) drawn from `rng` (n ≤ 2^32; bias below n / 2^32).
 *
 * @example
 * randomInt(seededRandom(1), 6); // a die roll
 */
export function randomInt(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/**
 * Shuffles `arr` in place (Fisher–Yates, from the end) and returns it.
 *
 * @example
 * shuffleInPlace([1, 2, 3, 4], seededRandom(0)); // the same order on every run
 */
export function shuffleInPlace<T>(arr: T[], rng: Rng): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = tmp;
  }
  return arr;
}

/**
 * A random permutation of 0 … n-1.
 *
 * @example
 * permutation(5, seededRandom(7)); // e.g. [3, 0, 4, 1, 2]
 */
export function permutation(n: number, rng: Rng): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be an integer >= 0, received ${n}`);
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
}
