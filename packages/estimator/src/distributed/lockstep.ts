import type { World } from '@fets/network';

/**
 * The batches of `source` for as long as every rank still has one: before each batch the ranks agree (one small
 * allreduce) whether all of them drew one, and all stop at the first step some rank cannot make. Equal shards
 * (see the Pipeline's `Shard`) make this the whole epoch; a stream dealt round-robin, or samples filtered out on one
 * rank, end the epoch at the shortest shard instead of leaving ranks waiting in a gradient allreduce. In one process
 * the batches pass through unchanged.
 *
 * @example
 * for await (const b of lockstep(world, pipeline.batches({ mode: 'train', epoch, shard }))) await network.runStep(b, …);
 */
export async function* lockstep<T>(world: World, source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  if (world.size === 1) {
    yield* source;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) finished = true;
      const [all] = world.sum([r.done ? 0 : 1]);
      if (all! < world.size) return;
      yield r.value as T;
    }
  } finally {
    if (!finished) await it.return?.();
  }
}
