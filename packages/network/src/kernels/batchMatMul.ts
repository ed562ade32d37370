import { backend_util, type TensorInfo } from '@tensorflow/tfjs';
import { columnSum } from './columnSum.js';
import {
  f32Of,
  release,
  reshapeInfo,
  runOriginal,
  transposeLast2,
  xnnBatchedProducts,
  type KernelArgs,
  type WasmBackend,
} from './wasmInternals.js';

/** Which parts of the BatchMatMul replacement are on (see setKernelOverrides). */
export interface BatchMatMulModes {
  /** Transposed operands are transposed explicitly, then the untransposed product goes through XNNPACK. */
  transpose: boolean;
  /** Batched (3-D/4-D) products run as one XNNPACK product per batch on memory views, or as one big product when
   * the right operand is broadcast. */
  batched: boolean;
  /** `ones[1, k] @ b` (a column sum, as dense-layer bias gradients are often written) runs as the Sum replacement. */
  ones: boolean;
}

const sizeOf = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/** Whether every element of a float32 tensor is exactly 1. */
function isAllOnes(backend: WasmBackend, t: TensorInfo): boolean {
  const v = f32Of(backend, t);
  for (let i = 0; i < v.length; i++) if (v[i] !== 1) return false;
  return v.length > 0;
}

/**
 * The wasm BatchMatMul replacement. tfjs-backend-wasm 4.22 sends a product to XNNPACK only when both operands are
 * 2-D (batch 1) and untransposed; every other case runs a scalar blocked loop (about 1–3 GFLOP/s). Here:
 * transposed operands are transposed by the wasm Transpose kernel first; a broadcast right operand
 * ([..., m, k] @ [k, n]) becomes one [batch·m, k] @ [k, n] product; equal batch dimensions run one XNNPACK product
 * per batch on views of the operands' memory. Anything else (mixed broadcasting) falls back to the package kernel on
 * the untransposed operands. A left operand `[1, k]` of all ones (a bias gradient written as `ones @ dy`) makes the
 * product a column sum, done by the Sum replacement (about 3× faster than XNNPACK, which packs all of b for one row).
 *
 * In: inputs {a, b} float32, attrs {transposeA, transposeB}. Out: the product, shape broadcast(outer) + [m, n].
 */
export function makeBatchMatMul(modes: () => BatchMatMulModes) {
  return function batchMatMul(args: KernelArgs): TensorInfo {
    const backend = args.backend as WasmBackend;
    let a = args.inputs.a!;
    let b = args.inputs.b!;
    const transposeA = Boolean(args.attrs?.transposeA);
    const transposeB = Boolean(args.attrs?.transposeB);
    const m0 = modes();
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
      return runOriginal('BatchMatMul', { a, b }, { transposeA, transposeB }, backend);
    }
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = sizeOf(outerA);
    const batchB = sizeOf(outerB);
    const batched = batchA > 1 || batchB > 1;
    if (m0.ones && !batched && !transposeA && !transposeB && a.shape[a.shape.length - 2] === 1 && isAllOnes(backend, a)) {
      const k = a.shape[a.shape.length - 1]!;
      const n = b.shape[b.shape.length - 1]!;
      if (b.shape[b.shape.length - 2] === k && k >= 8) {
        const b2 = reshapeInfo(backend, b, [k, n]);
        const sum = columnSum({ inputs: { x: b2 }, attrs: { axis: [0], keepDims: false }, backend });
        release(backend, b2);
        const shaped = reshapeInfo(backend, sum, [...backend_util.assertAndGetBroadcastShape(outerA, outerB), 1, n]);
        release(backend, sum);
        return shaped;
      }
    }
    if ((!m0.transpose && (transposeA || transposeB)) || (batched && !m0.batched)) {
      return runOriginal('BatchMatMul', { a, b }, { transposeA, transposeB }, backend);
    }
    if (transposeA && !transposeB && !batched) {
      // C = Aᵀ·B with A [k, m], B [k, n]: transposing B and then the [n, m] result moves k·n + n·m elements instead
      // of k·m (e.g. a weight gradient dyᵀ·x with dy [2048, 1024] and x [2048, 256]: 0.75 M instead of 2 M).
      const [k, m] = a.shape.slice(-2) as [number, number];
      const n = b.shape[b.shape.length - 1]!;
      if (b.shape[b.shape.length - 2] === k && k * n + n * m < k * m) {
        const bt = transposeLast2(backend, reshapeInfo(backend, b, [k, n]), true);
        const a3 = reshapeInfo(backend, a, [1, k, m]);
        const bt3 = reshapeInfo(backend, bt, [1, n, k]);
        const ct = runOriginal('BatchMatMul', { a: bt3, b: a3 }, { transposeA: false, transposeB: false }, backend);
        release(backend, bt, a3, bt3);
        const c = transposeLast2(backend, reshapeInfo(backend, ct, [n, m]), true);
        release(backend, ct);
        const shaped = reshapeInfo(backend, c, [...backend_util.assertAndGetBroadcastShape(outerA, outerB), m, n]);
        release(backend, c);
        return shaped;
      }
    }
    const temps: TensorInfo[] = [];
    if (transposeA) temps.push((a = transposeLast2(backend, a)));
    if (transposeB) temps.push((b = transposeLast2(backend, b)));
    try {
      const m = a.shape[a.shape.length - 2]!;
      const k = a.shape[a.shape.length - 1]!;
      const n = b.shape[b.shape.length - 1]!;
      if (b.shape[b.shape.length - 2] !== k) {
        // Let the package kernel raise its own message about mismatched inner dimensions.
        return runOriginal('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }, backend);
      }
      const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
      const size = sizeOf(outer);
      if (batchB === 1) {
        // One 2-D product: [batchA·m, k] @ [k, n].
        const a2 = reshapeInfo(backend, a, [1, batchA * m, k]);
        const b2 = reshapeInfo(backend, b, [1, k, n]);
        const out = runOriginal('BatchMatMul', { a: a2, b: b2 }, { transposeA: false, transposeB: false }, backend);
        release(backend, a2, b2);
        const shaped = reshapeInfo(backend, out, [...outer, m, n]);
        release(backend, out);
        return shaped;
      }
      if (batchB !== size || (batchA !== 1 && batchA !== size)) {
        return runOriginal('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }, backend);
      }
      const batch = size;
      const out = backend.makeOutput([...outer, m, n], 'float32');
      if (batch * m * n > 0 && k === 0) backend.typedArrayFromHeap(out).fill(0);
      else if (batch * m * n > 0) {
        xnnBatchedProducts(backend, a, b, out, { batch, m, k, n, aStep: batchA === 1 ? 0 : 1, bStep: 1 });
      }
      return out;
    } finally {
      release(backend, ...temps);
    }
  };
}
