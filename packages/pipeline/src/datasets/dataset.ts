import type { DataDict } from '../core/op.js';

/**
 * A map-style data set: a known number of samples, each fetched by index (FastEstimator's torch-style dataset).
 * Subclass it and implement `length` and `get(i)`; the Pipeline shuffles and batches it.
 *
 * @example
 * class Squares extends Dataset<{ x: number; y: number }> { get length() { return 10; } get(i: number) { return { x: i, y: i * i }; } }
 */
export abstract class Dataset<Sample extends DataDict = DataDict> {
  /** Number of samples. */
  abstract get length(): number;
  /** Sample `index` (0 ≤ index < length) as a fresh data dictionary. */
  abstract get(index: number): Sample;
  /** Keys every sample provides (default: the keys of sample 0). Used to check the op graph before data flows. */
  keys(): string[] {
    return this.length > 0 ? Object.keys(this.get(0)) : [];
  }
  /**
   * Where sample `index` comes from, for error messages (e.g. `engtrain.bio:1042` for a ConllDataset), or undefined
   * when the data set cannot tell. With `position`, where that item of the sample comes from where the data set knows
   * (a ConllDataset: the line of word `position`). The Pipeline adds it to errors raised by per-sample ops.
   */
  describe(_index: number, _position?: number): string | undefined {
    return undefined;
  }
}

/**
 * A streaming data set: samples come from an (async) iterator, one pass per epoch, never all in memory. The Pipeline
 * reads it with bounded prefetch; shuffling uses a bounded shuffle buffer.
 *
 * @example
 * class Lines extends IterableDataset { async *iterate() { yield { x: 1 }; } }
 */
export abstract class IterableDataset<Sample extends DataDict = DataDict> {
  /** One pass over the data: called once per epoch. */
  abstract iterate(): AsyncIterable<Sample> | Iterable<Sample>;
  /** Number of samples if known (used for epoch length and progress), else undefined. */
  get length(): number | undefined {
    return undefined;
  }
  /** Keys every sample provides; undefined if not declared (the Pipeline then peeks at the first sample). */
  keys(): string[] | undefined {
    return undefined;
  }
}

/** Anything the Pipeline accepts as a data source. */
export type DataSource = Dataset | IterableDataset;
