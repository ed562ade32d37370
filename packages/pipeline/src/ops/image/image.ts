import { OpError, describeValue } from '../../core/errors.js';
import { NDArray } from '../../core/ndarray.js';

/** An image as the image ops work on it: row-major HWC values, its dtype, and whether it came without a channel axis. */
export interface Image {
  data: Float32Array | Int32Array;
  h: number;
  w: number;
  c: number;
  dtype: 'float32' | 'int32';
  /** 2 for an [H, W] input (written back without the channel axis), 3 for [H, W, C]. */
  rank: 2 | 3;
}

/**
 * Reads an image value: an NDArray of rank 2 ([H, W]) or 3 ([H, W, C]), float32 or int32 (0–255 grey or colour
 * levels). Anything else is an OpError naming the op and the key, saying what came.
 *
 * @example
 * const img = readImage('Minmax', 'x', sample.x);   // { data, h: 28, w: 28, c: 1, dtype: 'int32', rank: 2 }
 */
export function readImage(op: string, key: string | undefined, value: unknown): Image {
  if (!(value instanceof NDArray)) {
    throw new OpError(op, key, `expected an image (NDArray [H, W] or [H, W, C]), received ${describeValue(value)}`);
  }
  if (value.rank !== 2 && value.rank !== 3) {
    throw new OpError(op, key, `expected an image of rank 2 [H, W] or 3 [H, W, C], received shape [${value.shape.join(', ')}]`);
  }
  if (value.dtype !== 'float32' && value.dtype !== 'int32') {
    throw new OpError(op, key, `expected float32 or int32 pixels, received ${value.dtype}`);
  }
  const [h, w, c = 1] = value.shape as [number, number, number?];
  const data =
    value.data instanceof Float32Array || value.data instanceof Int32Array ? value.data : Int32Array.from(value.data as Uint8Array);
  return { data, h, w, c, dtype: value.dtype, rank: value.rank as 2 | 3 };
}

/** A new image of the given size with `src`'s dtype, channels and rank (zero-filled). */
export function blankLike(src: Image, h: number, w: number): Image {
  const n = h * w * src.c;
  return { data: src.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n), h, w, c: src.c, dtype: src.dtype, rank: src.rank };
}

/** The image as an NDArray ([H, W] when it came without a channel axis). */
export function toNDArray(img: Image): NDArray {
  return new NDArray(img.data, img.rank === 2 ? [img.h, img.w] : [img.h, img.w, img.c], img.dtype);
}

/** Samples `src` at real coordinates (y, x) into `dst[o … o+c)`: bilinear, or nearest for masks; `fill` outside. */
export function sample(src: Image, y: number, x: number, dst: Float32Array | Int32Array, o: number, nearest: boolean, fill: number): void {
  const { h, w, c, data } = src;
  if (nearest) {
    const yi = Math.round(y);
    const xi = Math.round(x);
    if (yi < 0 || yi >= h || xi < 0 || xi >= w) {
      for (let k = 0; k < c; k++) dst[o + k] = fill;
      return;
    }
    const s = (yi * w + xi) * c;
    for (let k = 0; k < c; k++) dst[o + k] = data[s + k]!;
    return;
  }
  // Bilinear over the four neighbours, straight-line: this runs per pixel of every augmented image, so no closure
  // (under tsx every function made here would also be renamed, a property write per pixel).
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  const round = src.dtype === 'int32';
  const inY0 = y0 >= 0 && y0 < h;
  const inY1 = y0 + 1 >= 0 && y0 + 1 < h;
  const inX0 = x0 >= 0 && x0 < w;
  const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
  // Offsets of the four neighbours, −1 outside the image.
  const p00 = inY0 && inX0 ? (y0 * w + x0) * c : -1;
  const p01 = inY0 && inX1 ? (y0 * w + x0 + 1) * c : -1;
  const p10 = inY1 && inX0 ? ((y0 + 1) * w + x0) * c : -1;
  const p11 = inY1 && inX1 ? ((y0 + 1) * w + x0 + 1) * c : -1;
  const w00 = (1 - fy) * (1 - fx);
  const w01 = (1 - fy) * fx;
  const w10 = fy * (1 - fx);
  const w11 = fy * fx;
  for (let k = 0; k < c; k++) {
    let v = w00 * (p00 >= 0 ? data[p00 + k]! : fill);
    if (w01 !== 0) v += w01 * (p01 >= 0 ? data[p01 + k]! : fill);
    if (w10 !== 0) v += w10 * (p10 >= 0 ? data[p10 + k]! : fill);
    if (w11 !== 0) v += w11 * (p11 >= 0 ? data[p11 + k]! : fill);
    dst[o + k] = round ? Math.round(v) : v;
  }
}

/**
 * Runs `f` on each input value of an op (one key: `data` itself; several: each element) and returns the results the
 * same way: the one-value-per-key convention of `forward`, for ops that treat every key alike.
 *
 * @example
 * override forward(data: unknown) { return eachInput(this.inputs, data, (v, key) => scale(readImage(this.name, key, v))); }
 */
export function eachInput<T>(inputs: readonly string[], data: unknown, f: (value: unknown, key: string) => T): T | T[] {
  if (inputs.length === 1) return f(data, inputs[0]!);
  return (data as unknown[]).map((v, i) => f(v, inputs[i]!));
}
