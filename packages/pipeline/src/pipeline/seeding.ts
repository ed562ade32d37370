/** Mixes 32-bit integers into one well-spread 32-bit seed (murmur3 finaliser over a running hash). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9 | 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Index of each mode in seeds, so train and eval draws differ. */
export const MODE_SEED = { train: 1, eval: 2, test: 3, infer: 4 } as const;
