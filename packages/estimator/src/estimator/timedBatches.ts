/**
 * Iterates `source` and reports, for every `next()` (including the final one that ends the iteration), how many
 * milliseconds the consumer waited for it: the time the training loop spends blocked on the Pipeline. The source's
 * `return()` runs when the consumer stops early or throws, as with `for await`.
 *
 * In: an async iterable of batches and `onWait(ms)`. Out: the same batches, in order.
 *
 * @example
 * let waited = 0;
 * for await (const batch of timedBatches(pipeline.batches({ mode: 'train', epoch: 1 }), (ms) => (waited += ms))) {
 *   await network.runStep(batch, { mode: 'train', epoch: 1, warmup: false });
 * }
 */
export async function* timedBatches<T>(source: AsyncIterable<T>, onWait: (ms: number) => void): AsyncGenerator<T, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const t0 = performance.now();
      const r = await it.next();
      onWait(performance.now() - t0);
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) await it.return?.();
  }
}
