import { z } from 'zod';
import { ConfigError, SampleIndexError } from '../core/errors.js';
import type { DataDict } from '../core/op.js';
import { parseOptions } from '../core/options.js';
import { Dataset } from './dataset.js';
import { splitIndices, type SplitOptions, type SplitSpec } from './split.js';

const splitOptionsSchema = z.strictObject({ seed: z.number().finite().optional() });

/** Arguments of `split`: one or more parts, optionally followed by `{ seed }`. */
type SplitArgs = Array<SplitSpec | SplitOptions | undefined>;

function isSpec(v: unknown): v is SplitSpec {
  return typeof v === 'number' || Array.isArray(v);
}

/**
 * A map-style data set that can give samples away: FastEstimator's `split`. Samples live in a store indexed 0 …
 * storedLength-1 that never changes; the data set shows a view of it (all of it until the first split). Subclasses
 * implement `storedLength` and `storedSample(i)`; `length`, `get(i)` and `split` come from here.
 *
 * @example
 * const ds = new NumpyDataset({ x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
 * const evalDs = ds.split(0.2, { seed: 0 }); // ds keeps 8 samples, evalDs holds the other 2
 */
export abstract class ViewDataset<Sample extends DataDict = DataDict> extends Dataset<Sample> {
  #view: readonly number[] | undefined;

  /** Number of stored samples, before any split removed some from the view. */
  protected abstract get storedLength(): number;
  /** Stored sample `index` (0 ≤ index < storedLength) as a fresh data dictionary. */
  protected abstract storedSample(index: number): Sample;

  /** Restricts the view to these stored indices (used by subclasses that start as a view, like SubsetDataset). */
  protected setView(storedIndices: readonly number[]): void {
    this.#view = storedIndices;
  }

  /** Number of samples currently in the data set. */
  get length(): number {
    return this.#view?.length ?? this.storedLength;
  }

  /** Sample `index` (0 ≤ index < length) as a fresh data dictionary. */
  get(index: number): Sample {
    return this.storedSample(this.storedIndex(index));
  }

  /** Position in the store of sample `index`: stable across later splits (use it to point back at a source line). */
  storedIndex(index: number): number {
    const n = this.length;
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new SampleIndexError(this.constructor.name, index, n);
    }
    return this.#view === undefined ? index : this.#view[index]!;
  }

  /**
   * The store itself as a plain data set (indices are stored indices). Parts created by `split` read from it, so a
   * later split of this data set cannot change them.
   */
  storedView(): Dataset<Sample> {
    return new StoredSamples(
      this.storedLength,
      (i) => this.storedSample(i),
      () => this.keys(),
      (i, p) => this.describeStored(i, p),
    );
  }

  /** Where stored sample `index` (or its item `position`) comes from (file:line), if known; file readers override it. */
  protected describeStored(_index: number, _position?: number): string | undefined {
    return undefined;
  }

  /** Where sample `index` (of the current view), or its item `position`, comes from, if known. */
  override describe(index: number, position?: number): string | undefined {
    return this.describeStored(this.storedIndex(index), position);
  }

  /**
   * Removes samples from this data set and returns them as new data sets (FastEstimator semantics): a float in (0, 1)
   * takes that fraction of the current size (rounded down), an integer takes that many samples, an index list takes
   * exactly those samples. Several parts give an array, one part gives one data set. Random choices follow `seed`.
   * The parts are index views ({@link SubsetDataset}): no sample is copied.
   *
   * @example
   * const evalDs = train.split(0.1, { seed: 42 });      // 10% moved out of train
   * const [a, b] = train.split(0.1, 0.1, { seed: 1 });  // two disjoint 10% parts
   * const first = train.split([0, 1, 2]);              // exactly samples 0, 1, 2
   */
  split(spec: SplitSpec, options?: SplitOptions): SubsetDataset<Sample>;
  split(...args: SplitArgs): SubsetDataset<Sample> | SubsetDataset<Sample>[];
  split(...given: SplitArgs): SubsetDataset<Sample> | SubsetDataset<Sample>[] {
    const args = given.filter((a) => a !== undefined);
    const last = args[args.length - 1];
    const hasOptions = last !== undefined && !isSpec(last);
    const specs = (hasOptions ? args.slice(0, -1) : args) as SplitSpec[];
    if (specs.some((s) => !isSpec(s))) {
      throw new ConfigError(
        `${this.constructor.name}.split`,
        [],
        `${this.constructor.name}.split: options must come last: split(...parts, { seed })`,
      );
    }
    const options = parseOptions(`${this.constructor.name}.split`, splitOptionsSchema, hasOptions ? last : {});
    const { parts, rest } = splitIndices(this.length, specs, options);
    const store = this.storedView();
    const out = parts.map(
      (p) =>
        new SubsetDataset(
          store,
          p.map((i) => this.storedIndex(i)),
        ),
    );
    this.#view = rest.map((i) => this.storedIndex(i));
    return specs.length === 1 ? out[0]! : out;
  }
}

/** The unchanging store of a ViewDataset, seen as a plain data set. */
class StoredSamples<Sample extends DataDict> extends Dataset<Sample> {
  constructor(
    readonly storedLength: number,
    readonly sample: (index: number) => Sample,
    readonly sampleKeys: () => string[],
    readonly describeSample: (index: number, position?: number) => string | undefined,
  ) {
    super();
  }
  get length(): number {
    return this.storedLength;
  }
  get(index: number): Sample {
    return this.sample(index);
  }
  override keys(): string[] {
    return this.sampleKeys();
  }
  override describe(index: number, position?: number): string | undefined {
    return this.describeSample(index, position);
  }
}

/**
 * A view of some samples of another map-style data set, by index, without copying. `split` returns these; wrap any
 * custom `Dataset` in one to split it.
 *
 * @example
 * const firstTen = new SubsetDataset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * const evalDs = new SubsetDataset(myCustomDataset).split(0.2, { seed: 0 });
 */
export class SubsetDataset<Sample extends DataDict = DataDict> extends ViewDataset<Sample> {
  /** The data set the indices point into. */
  readonly source: Dataset<Sample>;

  /**
   * @param source the data set to view (if it is itself a ViewDataset, the view is taken of its store, so later splits
   *   of `source` do not change this one).
   * @param indices positions in `source` (default: all of them, in order); repeats are allowed.
   */
  constructor(source: Dataset<Sample>, indices?: readonly number[]) {
    super();
    const n = source.length;
    const idx = indices ?? Array.from({ length: n }, (_, i) => i);
    for (const i of idx) {
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new SampleIndexError('SubsetDataset', i, n, 'source');
      }
    }
    if (source instanceof ViewDataset) {
      this.source = source.storedView();
      this.setView(idx.map((i) => source.storedIndex(i)));
    } else {
      this.source = source;
      this.setView([...idx]);
    }
  }

  protected get storedLength(): number {
    return this.source.length;
  }
  protected storedSample(index: number): Sample {
    return this.source.get(index);
  }
  override storedView(): Dataset<Sample> {
    return this.source;
  }
  protected override describeStored(index: number, position?: number): string | undefined {
    return this.source.describe(index, position);
  }
  override keys(): string[] {
    return this.source.keys();
  }
}
