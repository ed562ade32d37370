import { PipelineError } from '../core/errors.js';

/**
 * One rank's part of an epoch in data-parallel training: every rank computes the same seeded order, and rank `rank`
 * of `size` reads positions `rank, rank + size, rank + 2·size, …` of it (PyTorch's DistributedSampler, which Horovod
 * uses too). With `pad` (training), the order is first extended by its own first positions to a multiple of `size`,
 * so every rank reads the same number of samples and steps together: the `size − n mod size` samples that open the
 * epoch are read twice. Without it (evaluation, test) every sample is read exactly once across the ranks and the last
 * ranks may read one sample fewer.
 */
export interface Shard {
  readonly rank: number;
  readonly size: number;
  /** Pad the order to a multiple of `size` (equal shards; a few samples twice) instead of uneven shards. */
  readonly pad: boolean;
}

/**
 * This rank's positions of `order` (see {@link Shard}); the whole order without a shard.
 *
 * @example
 * shardOrder([5, 3, 0, 1, 4, 2, 6], { rank: 1, size: 2, pad: true }); // [3, 1, 2, 5]: 8 positions, 6 opens again
 * shardOrder([5, 3, 0, 1, 4, 2, 6], { rank: 1, size: 2, pad: false }); // [3, 1, 2]
 */
export function shardOrder(order: readonly number[], shard: Shard | undefined): number[] {
  if (!shard || shard.size === 1) return [...order];
  const { rank, size } = shard;
  if (!Number.isInteger(rank) || !Number.isInteger(size) || size < 1 || rank < 0 || rank >= size) {
    throw new PipelineError(`Pipeline: shard rank ${rank} of ${size}: expected an integer rank from 0 to size − 1`);
  }
  const n = order.length;
  const total = shard.pad && n > 0 ? Math.ceil(n / size) * size : n;
  const out: number[] = [];
  for (let p = rank; p < total; p += size) out.push(order[p % n]!);
  return out;
}

/**
 * How many samples `rank` reads of an epoch of `n` (see {@link Shard}).
 *
 * @example
 * shardLength(7, { rank: 1, size: 2, pad: false }); // 3
 */
export function shardLength(n: number, shard: Shard | undefined): number {
  if (!shard || shard.size === 1) return n;
  if (shard.pad) return Math.ceil(n / shard.size);
  return n > shard.rank ? Math.ceil((n - shard.rank) / shard.size) : 0;
}
