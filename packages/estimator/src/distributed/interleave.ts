/**
 * Puts per-rank lists back in the order of one process: with the strided shards of evaluation and test (rank r read
 * positions r, r + size, …), item k of rank r held position k·size + r.
 *
 * @example
 * interleave([['a', 'c', 'e'], ['b', 'd']]); // ['a', 'b', 'c', 'd', 'e']
 */
export function interleave<T>(parts: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...parts.map((p) => p.length));
  for (let k = 0; k < longest; k++) for (const p of parts) if (k < p.length) out.push(p[k]!);
  return out;
}
