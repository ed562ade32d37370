import { NDArray, makeData, type DType } from '../core/ndarray.js';
import type { DataDict } from '../core/op.js';
import { OpError, describeValue } from '../core/errors.js';

type Numeric = number | boolean | ArrayLike<unknown> | NDArray;

function isNumericLeaf(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'boolean';
}

/** Shape of a (possibly nested, possibly ragged) numeric value; `null` if it is not numeric. */
function shapeOf(v: unknown): number[] | null {
  if (isNumericLeaf(v)) return [];
  if (v instanceof NDArray) return v.dtype === 'string' ? null : [...v.shape];
  if (ArrayBuffer.isView(v)) return [(v as unknown as ArrayLike<number>).length];
  if (Array.isArray(v)) {
    if (v.length === 0) return [0];
    const inner = shapeOf(v[0]);
    if (inner === null) return null;
    const out = [v.length, ...inner];
    for (let i = 1; i < v.length; i++) {
      const s = shapeOf(v[i]);
      if (s === null || s.length !== inner.length) return null;
      for (let d = 0; d < s.length; d++) out[d + 1] = Math.max(out[d + 1]!, s[d]!);
    }
    return out;
  }
  return null;
}

function dtypeOf(v: unknown, state: { int: boolean; bool: boolean }): DType | undefined {
  if (v instanceof NDArray) return v.dtype;
  if (v instanceof Float32Array || v instanceof Float64Array) return 'float32';
  if (ArrayBuffer.isView(v)) return 'int32';
  if (typeof v === 'boolean') return undefined;
  if (typeof v === 'number') {
    state.bool = false;
    if (!Number.isInteger(v)) state.int = false;
    return undefined;
  }
  if (Array.isArray(v)) {
    for (const x of v) {
      const d = dtypeOf(x, state);
      if (d) return d;
    }
  }
  return undefined;
}

/** Writes `v` (nested/typed/NDArray) into `out` at `offset` with `strides` of the padded batch shape. */
function fill(v: unknown, out: { [i: number]: unknown }, offset: number, shape: readonly number[], dim: number): void {
  if (dim === shape.length) {
    out[offset] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    return;
  }
  const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  if (v instanceof NDArray) {
    // Fast path for a dense array: copy row by row.
    const inner = v.shape;
    if (inner.length === shape.length - dim && ArrayBuffer.isView(out) && inner.every((d, i) => d === shape[dim + i])) {
      // Same shape as the batch's row (no padding): one contiguous copy, with the element conversion `=` would do.
      (out as unknown as Float32Array).set(v.data as ArrayLike<number>, offset);
      return;
    }
    if (inner.length === shape.length - dim) {
      const rec = (d: number, src: number, dst: number): void => {
        const n = inner[d - dim]!;
        const srcStride = inner.slice(d - dim + 1).reduce((a, b) => a * b, 1);
        const dstStride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
        if (d === shape.length - 1) {
          for (let i = 0; i < n; i++) out[dst + i] = v.data[src + i];
          return;
        }
        for (let i = 0; i < n; i++) rec(d + 1, src + i * srcStride, dst + i * dstStride);
      };
      rec(dim, 0, offset);
      return;
    }
  }
  const arr = v as ArrayLike<unknown>;
  if (dim === shape.length - 1) {
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      out[offset + i] = typeof x === 'boolean' ? (x ? 1 : 0) : x;
    }
    return;
  }
  for (let i = 0; i < arr.length; i++) fill(arr[i], out, offset + i * stride, shape, dim + 1);
}

/**
 * Collates per-sample values of one key into a batch. Numeric values (numbers, booleans, nested arrays, typed arrays,
 * NDArrays) become one `NDArray` of shape `[batch, ...]`, padded with `padValue` to the batch's longest along every
 * axis; ragged values without a `padValue` are an error naming the key. Anything else (strings, objects) stays a list.
 * dtype: the typed arrays' own (Float32Array → float32, integer arrays → int32), else int32 when every number is an
 * integer, float32 otherwise; `dtype` forces one.
 *
 * @example
 * collateKey('x', [[1, 2], [3]], 0); // NDArray int32 [[1, 2], [3, 0]]
 */
export function collateKey(key: string, values: readonly unknown[], padValue?: number, dtype?: DType): unknown {
  const first = values[0];
  const fast = collateTyped1d(key, values, padValue, dtype);
  if (fast) return fast;
  if (typeof first === 'string' || first === null || first === undefined) return [...values];
  let shape: number[] | null = [];
  const shapes: number[][] = [];
  for (const v of values) {
    const s = shapeOf(v);
    if (s === null || (shapes.length > 0 && s.length !== shapes[0]!.length)) {
      shape = null;
      break;
    }
    shapes.push(s);
  }
  if (shape === null) return [...values];
  const rank = shapes[0]!.length;
  const maxShape = Array.from({ length: rank }, (_, d) => Math.max(...shapes.map((s) => s[d]!)));
  if (padValue === undefined) {
    for (let i = 0; i < shapes.length; i++) {
      for (let d = 0; d < rank; d++) {
        if (shapes[i]![d] !== shapes[0]![d]) {
          throw new OpError(
            'Batch',
            key,
            `samples have different shapes ([${shapes[0]!.join(', ')}] and [${shapes[i]!.join(', ')}] at sample ${i}); ` +
              `set padValue to pad them to the batch's longest, or pad them with PadSequence`,
          );
        }
      }
    }
  }
  const st = { int: true, bool: true };
  let dt: DType | undefined = dtype;
  if (!dt) {
    for (const v of values) {
      const d = dtypeOf(v, st);
      if (d) {
        dt = d;
        break;
      }
    }
  }
  if (!dt)
    dt =
      st.bool && values.every((v) => typeof v === 'boolean' || Array.isArray(v)) && typeof first === 'boolean'
        ? 'bool'
        : st.int
          ? 'int32'
          : 'float32';
  if (dt === 'string') return [...values];
  const fullShape = [values.length, ...maxShape];
  const n = fullShape.reduce((a, b) => a * b, 1);
  const data = makeData([], dt).constructor as { new (n: number): Float32Array | Int32Array | Uint8Array };
  const out = new data(n);
  if (padValue !== undefined && padValue !== 0) out.fill(padValue);
  const per = maxShape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < values.length; i++) {
    try {
      fill(values[i] as Numeric, out as unknown as { [i: number]: unknown }, i * per, fullShape, 1);
    } catch (e) {
      throw new OpError('Batch', key, `cannot collate sample ${i}: ${describeValue(values[i])} (${String(e)})`);
    }
  }
  return new NDArray(out, fullShape, dt);
}

/** Fast path: every value a 1-D Int32Array (or every one a Float32Array): one allocation, row copies with `set`. */
function collateTyped1d(
  _key: string,
  values: readonly unknown[],
  padValue: number | undefined,
  dtype: DType | undefined,
): NDArray | undefined {
  const first = values[0];
  const Ctor = first instanceof Int32Array ? Int32Array : first instanceof Float32Array ? Float32Array : undefined;
  if (!Ctor || (dtype && dtype !== (Ctor === Int32Array ? 'int32' : 'float32'))) return undefined;
  let max = 0;
  let ragged = false;
  for (const v of values) {
    if (!(v instanceof Ctor)) return undefined;
    if (v.length !== (first as Int32Array).length) ragged = true;
    if (v.length > max) max = v.length;
  }
  if (ragged && padValue === undefined) return undefined; // the general path reports the error
  const out = new Ctor(values.length * max);
  if (ragged && padValue !== 0) out.fill(padValue!);
  for (let i = 0; i < values.length; i++) out.set(values[i] as Int32Array & Float32Array, i * max);
  return new NDArray(out, [values.length, max], Ctor === Int32Array ? 'int32' : 'float32');
}

/** Collates a list of samples into one batch dictionary (see {@link collateKey}); keys come from the first sample. */
export function collate(
  samples: readonly DataDict[],
  padValue?: number | Readonly<Record<string, number>>,
  dtypes?: Readonly<Record<string, DType>>,
): DataDict {
  const out: DataDict = {};
  const first = samples[0];
  if (!first) return out;
  for (const key of Object.keys(first)) {
    const col = samples.map((s, i) => {
      if (!(key in s)) {
        throw new OpError('Batch', key, `sample ${i} of the batch lacks key "${key}" that sample 0 has`);
      }
      return s[key];
    });
    const pad = typeof padValue === 'number' ? padValue : padValue?.[key];
    out[key] = collateKey(key, col, pad, dtypes?.[key]);
  }
  return out;
}
