import { ConfigError, describeValue } from '../core/errors.js';
import { NDArray } from '../core/ndarray.js';
import type { DataDict } from '../core/op.js';
import { ViewDataset } from './view.js';

/** One column: a JS array, a typed array, or an NDArray whose first axis runs over samples. */
export type Column = readonly unknown[] | ArrayLike<number> | NDArray;

/** The sample of a {@link NumpyDataset} of these columns: one item of each (an NDArray row, or a number). */
export type ColumnsSample<C> = string extends keyof C
  ? DataDict
  : { [K in keyof C]: C[K] extends readonly (infer E)[] ? E : C[K] extends NDArray ? NDArray | number : number };

function isColumn(v: unknown): v is Column {
  return Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof NDArray;
}

function columnLength(c: Column): number {
  return c instanceof NDArray ? (c.shape[0] ?? 0) : c.length;
}

function columnItem(c: Column, i: number): unknown {
  if (c instanceof NDArray) return c.rank === 1 ? c.data[i] : c.row(i);
  return (c as ArrayLike<unknown>)[i];
}

/**
 * An in-memory data set of named columns of equal length (FastEstimator's NumpyDataset): sample i is
 * `{ key: column[i] }` for every column. Columns may be JS arrays, typed arrays or NDArrays (rows along the first
 * axis). Supports `split`.
 *
 * @example
 * const ds = new NumpyDataset({ x: new Float32Array([0.1, 0.2, 0.3]), y: [0, 1, 0] });
 * ds.get(1); // { x: 0.2, y: 1 }
 */
export class NumpyDataset<
  C extends Record<string, Column> = Record<string, Column>,
  Sample extends DataDict = ColumnsSample<C>,
> extends ViewDataset<Sample> {
  /** The columns, by key (shared, not copied). */
  readonly data: Readonly<Record<string, Column>>;
  readonly #keys: string[];
  readonly #n: number;

  /**
   * @param data columns by key; all the same length (else a ConfigError naming both keys and lengths).
   */
  constructor(data: C) {
    super();
    const owner = new.target.name;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new ConfigError(owner, [], `${owner}: expected an object of columns { key: array }, received ${describeValue(data)}`);
    }
    const keys = Object.keys(data);
    if (keys.length === 0) throw new ConfigError(owner, [], `${owner}: expected at least one column, received {}`);
    let first: string | undefined;
    let n = 0;
    for (const k of keys) {
      const c = data[k];
      if (!isColumn(c)) {
        throw new ConfigError(
          owner,
          [],
          `${owner}: column "${k}": expected an array, typed array or NDArray, received ${describeValue(c)}`,
        );
      }
      const len = columnLength(c);
      if (first === undefined) {
        first = k;
        n = len;
      } else if (len !== n) {
        throw new ConfigError(owner, [], `${owner}: columns must have equal lengths, but "${first}" has ${n} and "${k}" has ${len}`);
      }
    }
    this.data = data;
    this.#keys = keys;
    this.#n = n;
  }

  /**
   * Builds a data set from a list of records that all have the same keys.
   *
   * @example
   * NumpyDataset.fromRecords([{ x: 1, y: 'a' }, { x: 2, y: 'b' }]).get(1); // { x: 2, y: 'b' }
   */
  static fromRecords<R extends DataDict>(records: readonly R[]): NumpyDataset<{ [K in keyof R]: R[K][] }> {
    if (!Array.isArray(records) || records.length === 0) {
      throw new ConfigError(
        'NumpyDataset',
        [],
        `NumpyDataset.fromRecords: expected a non-empty array of records, received ${describeValue(records)}`,
      );
    }
    const keys = Object.keys(records[0]!);
    const columns: Record<string, unknown[]> = Object.fromEntries(keys.map((k) => [k, new Array(records.length)]));
    records.forEach((r, i) => {
      const rk = r !== null && typeof r === 'object' ? Object.keys(r) : [];
      if (rk.length !== keys.length || !keys.every((k) => Object.hasOwn(r, k))) {
        throw new ConfigError(
          'NumpyDataset',
          [],
          `NumpyDataset.fromRecords: record ${i} has keys [${rk.join(', ')}], expected the keys of record 0: [${keys.join(', ')}]`,
        );
      }
      for (const k of keys) columns[k]![i] = r[k];
    });
    return new NumpyDataset(columns as { [K in keyof R]: R[K][] });
  }

  protected get storedLength(): number {
    return this.#n;
  }

  protected storedSample(index: number): Sample {
    const out: DataDict = {};
    for (const k of this.#keys) out[k] = columnItem(this.data[k]!, index);
    return out as Sample;
  }

  override keys(): string[] {
    return [...this.#keys];
  }
}
