import type { World } from '@fets/network';
import type { Trace } from '../core/trace.js';

/**
 * A trace whose epoch state is spread over the ranks of a data-parallel job (each saw its shard) and that can
 * combine it: counts and sums are summed (`world.sum`), lists gathered (`world.allgatherJson`). The Estimator calls
 * `reduceAcrossRanks` on every rank, in the same trace order, just before `onEpochEnd`, so every rank's `onEpochEnd`
 * sees the figures of the whole split and decides the same (EarlyStopping, ReduceLROnPlateau).
 *
 * @example
 * class Count extends Trace implements RankReducible {
 *   n = 0;
 *   reduceAcrossRanks(world: World) { [this.n] = world.sum([this.n]); }
 * }
 */
export interface RankReducible {
  reduceAcrossRanks(world: World): void;
}

/** Whether a trace combines its state across ranks ({@link RankReducible}). */
export function isRankReducible(t: unknown): t is RankReducible {
  return typeof (t as Partial<RankReducible> | null)?.reduceAcrossRanks === 'function';
}

/** Runs `reduceAcrossRanks` of each reducible trace, in order (a no-op in a world of one). */
export function reduceTraces(world: World, traces: readonly Trace[]): void {
  if (world.size === 1) return;
  for (const t of traces) if (isRankReducible(t)) t.reduceAcrossRanks(world);
}
