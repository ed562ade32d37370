import { util, type TensorInfo } from '@tensorflow/tfjs';
import { runOriginal, shareInfo, type KernelArgs, type WasmBackend } from './wasmInternals.js';

/**
 * `Identity` on wasm without a copy. The package kernel copies the whole buffer; tfjs calls it for every tensor a
 * kernel saves for the backward pass (`engine.clone`), hundreds of times per BERT training step. tfjs tensors are
 * immutable (Variable.assign swaps buffers, it never writes into one), so sharing the buffer with a raised reference
 * count is what the cpu backend and the wasm Reshape kernel already do.
 *
 * In: inputs {x}. Out: x's data under a new tensor.
 */
export function identityShared(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x!;
  if (x.dtype === 'string' || x.dtype === 'complex64') return runOriginal('Identity', { x }, {}, backend);
  return shareInfo(backend, x, [...x.shape]);
}

/**
 * From this many elements a 2-D transpose runs tiled in JS: the package's loop slows down on large power-of-two
 * strides (cache-set conflicts; [2048, 1024]: 17 ms against 12.6 ms tiled). Below it, and for every other
 * permutation, the package kernel is as fast or faster (measured: [2048, 256], attention-head permutations).
 */
const MIN_TILED = 1 << 20;

/**
 * A permutation in its simplest form: size-1 axes dropped and runs of axes that stay adjacent merged. Returns the
 * merged input shape and the permutation of the merged axes.
 */
export function simplifyPermutation(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const keep = shape.map((d) => d !== 1);
  const oldToNew = new Map<number, number>();
  const kept: number[] = [];
  shape.forEach((d, i) => {
    if (keep[i]) {
      oldToNew.set(i, kept.length);
      kept.push(d);
    }
  });
  const p1 = perm.filter((a) => keep[a]).map((a) => oldToNew.get(a)!);
  // Merge input axes a, a+1 when they are also consecutive in the output order.
  const groups: number[][] = [];
  for (const a of p1) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1]! + 1 === a) g.push(a);
    else groups.push([a]);
  }
  const byStart = [...groups].sort((g, h) => g[0]! - h[0]!);
  const mergedShape = byStart.map((g) => g.reduce((p, a) => p * kept[a]!, 1));
  const mergedPerm = groups.map((g) => byStart.indexOf(g));
  return { shape: mergedShape, perm: mergedPerm };
}

/** `out[j][i] = x[i][j]` for a [rows, cols] buffer, in 16 × 16 tiles. */
function transposeTiles(x: Float32Array | Int32Array, out: Float32Array | Int32Array, rows: number, cols: number): void {
  const T = 16;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(rows, i0 + T);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(cols, j0 + T);
      for (let i = i0; i < i1; i++) {
        const src = i * cols;
        for (let j = j0; j < j1; j++) out[j * rows + i] = x[src + j]!;
      }
    }
  }
}

/**
 * `Transpose` on wasm. The identity permutation shares the input's memory (the package copies it: e.g. the
 * [30,522, 256] embedding gradient, transposed by `perm [0, 1]` in tf.gather's gradient: 4.4 ms → 0). A large
 * 2-D transpose (after dropping size-1 axes and merging adjacent ones) runs tiled in JS. Anything else goes to the
 * package kernel.
 *
 * In: inputs {x}, attrs {perm}. Out: the transposed tensor.
 */
export function transposeFast(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x!;
  const perm = (args.attrs!.perm as number[]).map((a) => (a < 0 ? a + x.shape.length : a));
  const outShape = perm.map((a) => x.shape[a]!);
  if (x.dtype === 'string' || x.dtype === 'complex64') return runOriginal('Transpose', { x }, args.attrs ?? {}, backend);
  const s = simplifyPermutation(x.shape, perm);
  if (s.perm.every((a, i) => a === i)) {
    // Share only when the shape is unchanged: the package's XNNPACK matMul caches packed weights by tensor id, so
    // one id seen as [1, n] and as [n, 1] would reuse the wrong packing. Moving size-1 axes copies (package kernel).
    if (perm.every((a, i) => a === i)) return shareInfo(backend, x, outShape);
    return runOriginal('Transpose', { x }, args.attrs ?? {}, backend);
  }
  const size = util.sizeFromShape(x.shape);
  if (s.perm.join(',') !== '1,0' || size < MIN_TILED || x.dtype === 'bool') {
    return runOriginal('Transpose', { x }, args.attrs ?? {}, backend);
  }
  const out = backend.makeOutput(outShape, x.dtype);
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  transposeTiles(src, dst, s.shape[0]!, s.shape[1]!);
  return out;
}

/** Below this many output elements the package's GatherV2 is used. */
const MIN_GATHER = 1024;

/**
 * `GatherV2` along axis 0 (embedding lookups) on wasm as row copies on the heap; the package kernel walks every
 * element through generic strides (about 28 ms for 2,048 rows of a [30,522, 256] table, against well under 1 ms
 * here). Other axes, batch dimensions and small outputs go to the package kernel. Out-of-range indices throw the
 * package's own message.
 *
 * In: inputs {x, indices int32}, attrs {axis, batchDims}. Out: [...indices.shape, ...x.shape.slice(1)].
 */
export function gatherRows(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x!;
  const indices = args.inputs.indices!;
  const axis = util.parseAxisParam(args.attrs?.axis as number, x.shape)[0]!;
  const batchDims = Number(args.attrs?.batchDims ?? 0);
  const row = util.sizeFromShape(x.shape.slice(1));
  const n = util.sizeFromShape(indices.shape);
  if (
    axis !== 0 ||
    batchDims !== 0 ||
    indices.dtype !== 'int32' ||
    (x.dtype !== 'float32' && x.dtype !== 'int32') ||
    n * row < MIN_GATHER
  ) {
    return runOriginal('GatherV2', { x, indices }, args.attrs ?? {}, backend);
  }
  const rows = x.shape[0]!;
  const ids = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < n; i++) {
    const v = ids[i]!;
    if (!(v >= 0 && v <= rows - 1)) {
      // The package's check and message.
      return runOriginal('GatherV2', { x, indices }, args.attrs ?? {}, backend);
    }
  }
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const idx = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < n; i++) {
    const s = idx[i]! * row;
    dst.set(src.subarray(s, s + row), i * row);
  }
  return out;
}
