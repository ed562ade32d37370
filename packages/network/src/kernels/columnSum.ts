import { util, type TensorInfo } from '@tensorflow/tfjs';
import { nativeKernelsOn } from './native/slot.js';
import {
  f32Of,
  offsetOf,
  release,
  releaseView,
  reshapeInfo,
  runOriginal,
  viewOf,
  type KernelArgs,
  type WasmBackend,
} from './wasmInternals.js';

/** Below this many rows the package kernel is used as is. */
const MIN_ROWS = 8;

/**
 * `Sum` over leading axes (column sums: bias gradients, LayerNorm and broadcasting gradients) on wasm. The package
 * kernel transposes the summed axes to the end before reducing (a full copy with a strided pattern); here the input
 * is viewed as [rows, cols] and halved repeatedly: the top half plus the bottom half through the wasm Add kernel on
 * views of the same memory (no copies), an odd last row folded into row 0, until one row is left. About log2(rows)
 * vectorised adds over a shrinking buffer. (`ones[1, rows] @ x` through XNNPACK was also measured: slower than the
 * package kernel.) Other reductions go to the package kernel.
 *
 * In: inputs {x}, attrs {axis, keepDims}. Out: the sum, shape as tf.sum.
 */
export function columnSum(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x!;
  const keepDims = Boolean(args.attrs?.keepDims);
  const rank = x.shape.length;
  const axes = [...new Set(util.parseAxisParam(args.attrs?.axis as number | number[], x.shape))].sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
  const colShape = x.shape.slice(axes.length);
  const cols = colShape.reduce((p, d) => p * d, 1);
  if (!leading || x.dtype !== 'float32' || rows < MIN_ROWS || cols === 0) {
    return runOriginal('Sum', { x }, args.attrs ?? {}, backend);
  }
  const outShape = keepDims ? [...axes.map(() => 1), ...colShape] : colShape;
  const addon = nativeKernelsOn();
  if (addon) {
    const out = backend.makeOutput(outShape, 'float32');
    addon.columnSum(backend.wasm.HEAPU8, { x: offsetOf(backend, x), out: offsetOf(backend, out), rows, cols });
    return out;
  }
  let cur: TensorInfo = x;
  let owned = false;
  let m = rows;
  while (m > 1) {
    const h = Math.floor(m / 2);
    const top = viewOf(backend, cur, 0, [h, cols]);
    const bottom = viewOf(backend, cur, h * cols, [h, cols]);
    const next = runOriginal('Add', { a: top, b: bottom }, {}, backend);
    releaseView(backend, top);
    releaseView(backend, bottom);
    if (m % 2 === 1) {
      const row0 = f32Of(backend, next, 0, cols);
      const last = f32Of(backend, cur, 2 * h * cols, cols);
      for (let j = 0; j < cols; j++) row0[j]! += last[j]!;
    }
    if (owned) release(backend, cur);
    cur = next;
    owned = true;
    m = h;
  }
  const out = reshapeInfo(backend, cur, outShape);
  release(backend, cur);
  return out;
}
