import { ShapeError } from './errors.js';

/** Element types a batch array can hold (those TensorFlow.js tensors take, plus strings). */
export type DType = 'float32' | 'int32' | 'bool' | 'string';
/** Backing storage for each dtype. */
export type NDData = Float32Array | Int32Array | Uint8Array | string[];

/** A nested JS array of numbers (what `toArray()` returns). */
export type Nested = number | string | boolean | Nested[];

/**
 * A dense, row-major n-d array: what `Batch` produces for numeric keys and the Network turns into a tensor with one
 * copy-free call (`tf.tensor(a.data, a.shape, a.dtype)`). Plain typed arrays keep the Pipeline free of TensorFlow.js
 * and can cross worker threads.
 *
 * @example
 * const a = NDArray.from([[1, 2], [3, 4]], 'int32'); // shape [2, 2]
 * a.get(1, 0); // 3
 */
export class NDArray {
  constructor(
    readonly data: NDData,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) {
      throw new ShapeError(
        'NDArray',
        `${n} values`,
        `${data.length} values`,
        `shape [${shape.join(', ')}] holds ${n} elements, received ${data.length} values`,
      );
    }
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** The element at an index (one coordinate per dimension). */
  get(...index: number[]): number | string {
    let off = 0;
    for (let d = 0; d < this.shape.length; d++) off = off * this.shape[d]! + (index[d] ?? 0);
    return this.data[off]!;
  }

  /** Row `i` along the first axis, sharing memory where the storage allows. */
  row(i: number): NDArray {
    const inner = this.shape.slice(1);
    const n = inner.reduce((a, b) => a * b, 1);
    const d = this.data;
    const slice = Array.isArray(d) ? d.slice(i * n, (i + 1) * n) : d.subarray(i * n, (i + 1) * n);
    return new NDArray(slice as NDData, inner, this.dtype);
  }

  /** The array as nested JS arrays (scalars for rank 0). */
  toArray(): Nested {
    const d = this.data;
    const conv = (x: number | string): Nested => (this.dtype === 'bool' ? x === 1 : x);
    const rec = (dim: number, off: number): Nested => {
      if (dim === this.shape.length) return conv(d[off]!);
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: Nested[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(rec(dim + 1, off + i * stride));
      return out;
    };
    return rec(0, 0);
  }

  /**
   * Builds an array from nested JS arrays (rectangular), typed arrays or scalars. dtype defaults to int32 when every
   * value is an integer, float32 otherwise (bool for booleans, string for strings).
   */
  static from(value: unknown, dtype?: DType): NDArray {
    if (value instanceof NDArray) return dtype && dtype !== value.dtype ? value.astype(dtype) : value;
    const shape: number[] = [];
    let probe: unknown = value;
    while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
      const len = (probe as ArrayLike<unknown>).length;
      shape.push(len);
      if (len === 0) break;
      probe = (probe as ArrayLike<unknown>)[0];
    }
    const flat: unknown[] = [];
    const walk = (v: unknown, dim: number): void => {
      if (dim === shape.length) {
        if (Array.isArray(v) || ArrayBuffer.isView(v)) {
          throw new ShapeError('NDArray.from', 'a scalar', 'a nested list', `ragged nesting, expected a scalar at depth ${dim}`);
        }
        flat.push(v);
        return;
      }
      const len = (v as ArrayLike<unknown>)?.length;
      if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || len !== shape[dim]) {
        throw new ShapeError(
          'NDArray.from',
          `length ${shape[dim]}`,
          `length ${len}`,
          `ragged array, expected length ${shape[dim]} at depth ${dim}, received ${len}`,
        );
      }
      for (let i = 0; i < len; i++) walk((v as ArrayLike<unknown>)[i], dim + 1);
    };
    walk(value, 0);
    const dt = dtype ?? inferDType(flat, value);
    return new NDArray(makeData(flat, dt), shape, dt);
  }

  /** A copy with another dtype. */
  astype(dtype: DType): NDArray {
    if (dtype === this.dtype) return this;
    return new NDArray(makeData(Array.from(this.data as ArrayLike<unknown>), dtype), this.shape, dtype);
  }
}

function inferDType(flat: unknown[], source: unknown): DType {
  if (source instanceof Float32Array || source instanceof Float64Array) return 'float32';
  if (source instanceof Int32Array || source instanceof Int16Array || source instanceof Int8Array) return 'int32';
  if (source instanceof Uint8Array && flat.length > 0) return 'int32';
  let allInt = true;
  for (const v of flat) {
    if (typeof v === 'string') return 'string';
    if (typeof v === 'boolean') return 'bool';
    if (typeof v !== 'number') throw new ShapeError('NDArray.from', 'numbers', typeof v, `expected numbers, received ${typeof v}`);
    if (allInt && !Number.isInteger(v)) allInt = false;
  }
  return allInt && flat.length > 0 ? 'int32' : 'float32';
}

/** Allocates storage of `dtype` holding `values`. */
export function makeData(values: ArrayLike<unknown>, dtype: DType): NDData {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values as ArrayLike<number>);
    case 'int32':
      return Int32Array.from(values as ArrayLike<number>);
    case 'bool':
      return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
    case 'string':
      return Array.from(values, String);
  }
}
