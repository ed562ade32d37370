import type { World } from '@fets/network';

/**
 * The line rank 0 prints when data-parallel training starts:
 * `fets: global batch 32 = 16 per rank × 1 (mergeGrad) × 2 ranks`.
 *
 * @example
 * globalBatchLine({ size: 2 } as World, 16, 1); // 'fets: global batch 32 = 16 per rank × 1 (mergeGrad) × 2 ranks'
 */
export function globalBatchLine(world: Pick<World, 'size'>, perRank: number, mergeGrad: number): string {
  return `fets: global batch ${perRank * mergeGrad * world.size} = ${perRank} per rank × ${mergeGrad} (mergeGrad) × ${world.size} ranks`;
}

/** The largest `mergeGrad` among a Network's UpdateOps (1 without any), read from its `ops` when it has them. */
export function mergeGradOf(network: unknown): number {
  const ops = (network as { ops?: readonly unknown[] }).ops ?? [];
  let m = 1;
  for (const op of ops) {
    const v = (op as { mergeGrad?: unknown }).mergeGrad;
    if (typeof v === 'number' && v > m) m = v;
  }
  return m;
}
