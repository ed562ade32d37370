import { z } from 'zod';
import { FetsError, describeValue } from '../core/errors.js';
import type { DataDict } from '../core/op.js';
import { parseOptions } from '../core/options.js';
import { IterableDataset } from './dataset.js';

const generatorOptionsSchema = z.strictObject({
  length: z.number().int().min(0).optional(),
  keys: z.array(z.string().min(1)).optional(),
});

/** Options of {@link GeneratorDataset}. */
export type GeneratorDatasetOptions = z.input<typeof generatorOptionsSchema>;

/** What the factory of a GeneratorDataset returns: a sync or async iterable of samples. */
export type SampleIterable = Iterable<DataDict> | AsyncIterable<DataDict>;

/** A generator broke its contract: returned a non-iterable, the same iterator twice, a non-object, or a wrong count. */
export class GeneratorError extends FetsError {}

function checkSample(sample: unknown, position: number): DataDict {
  if (sample === null || typeof sample !== 'object' || Array.isArray(sample)) {
    throw new GeneratorError(`GeneratorDataset: sample ${position} must be an object { key: value }, received ${describeValue(sample)}`);
  }
  return sample as DataDict;
}

/**
 * A streaming data set fed by a function that returns a fresh (async) iterable each epoch (FastEstimator's
 * GeneratorDataset). `length` and `keys` may be declared; a declared length is checked at the end of each pass.
 *
 * @example
 * const ds = new GeneratorDataset(function* () { for (let i = 0; i < 3; i++) yield { x: i }; }, { length: 3, keys: ['x'] });
 * for (const s of ds.iterate() as Iterable<DataDict>) console.log(s.x);
 */
export class GeneratorDataset extends IterableDataset {
  readonly #factory: () => SampleIterable;
  readonly #options: z.output<typeof generatorOptionsSchema>;
  #previous: unknown;

  constructor(factory: () => SampleIterable, options: GeneratorDatasetOptions = {}) {
    super();
    if (typeof factory !== 'function') {
      throw new GeneratorError(`GeneratorDataset: expected a function returning an iterable, received ${describeValue(factory)}`);
    }
    this.#factory = factory;
    this.#options = parseOptions(new.target.name, generatorOptionsSchema, options);
  }

  override get length(): number | undefined {
    return this.#options.length;
  }

  override keys(): string[] | undefined {
    return this.#options.keys === undefined ? undefined : [...this.#options.keys];
  }

  /** One pass: calls the factory and yields its samples (sync if the factory's iterable is sync). */
  iterate(): Iterable<DataDict> | AsyncIterable<DataDict> {
    const it = this.#factory();
    if (it === this.#previous && it !== undefined) {
      throw new GeneratorError(
        'GeneratorDataset: the factory returned the same iterator as last epoch; return a new one each call ' +
          '(e.g. pass `() => gen()` rather than `() => g` for a generator object g)',
      );
    }
    this.#previous = it;
    const expected = this.#options.length;
    const finish = (count: number) => {
      if (expected !== undefined && count !== expected) {
        throw new GeneratorError(`GeneratorDataset: declared length ${expected}, but the generator yielded ${count} samples`);
      }
    };
    if (it !== null && typeof it === 'object' && Symbol.asyncIterator in it) {
      return (async function* () {
        let n = 0;
        for await (const s of it) yield checkSample(s, n++);
        finish(n);
      })();
    }
    if (it !== null && typeof it === 'object' && Symbol.iterator in it) {
      return (function* () {
        let n = 0;
        for (const s of it) yield checkSample(s, n++);
        finish(n);
      })();
    }
    throw new GeneratorError(`GeneratorDataset: the factory must return an iterable, received ${describeValue(it)}`);
  }
}
