import { util, type TensorInfo } from '@tensorflow/tfjs';
import { release, reshapeInfo, runOriginal, xnnBatchedProducts, type KernelArgs, type WasmBackend } from './wasmInternals.js';

/** Below this many rows the package kernel is used as is. */
const MIN_ROWS = 16;

/**
 * `Sum` over leading axes (column sums: bias gradients, LayerNorm and broadcasting gradients) on wasm. The package
 * kernel transposes the summed axes to the end before reducing; here the input is viewed as [rows, cols] and summed
 * as `ones[1, rows] @ x[rows, cols]`, a product XNNPACK serves (on fresh view ids of x's memory). Other reductions go to the package kernel.
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
  const ones = runOriginal('Fill', {}, { shape: [1, rows], value: 1, dtype: 'float32' }, backend);
  const prod = backend.makeOutput([cols], 'float32');
  // Fresh view ids: XNNPACK caches its packed weights by tensor id, and x's own id may be used with another shape.
  xnnBatchedProducts(backend, ones, x, prod, { batch: 1, m: 1, k: rows, n: cols, aStep: 0, bStep: 0 });
  release(backend, ones);
  const outShape = keepDims ? [...axes.map(() => 1), ...colShape] : colShape;
  const out = reshapeInfo(backend, prod, outShape);
  release(backend, prod);
  return out;
}
