import { backend_util, type TensorInfo } from '@tensorflow/tfjs';
import { columnSum } from './columnSum.js';
import { gemmProducts } from './gemm.js';
import { nativeAddon } from './native/slot.js';
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
  /** 2-D and batched float32 products run on fets's WebAssembly SIMD GEMM (gemm.ts) instead of XNNPACK. */
  gemm: boolean;
  /** The GEMM uses fused multiply-adds (relaxed SIMD) when they compile. */
  fma: boolean;
  /** Products run on the native addon's GEMM when it is loaded (before any of the above). */
  native: boolean;
}

const sizeOf = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/** Whether every element of a float32 tensor is exactly 1. */
function isAllOnes(backend: WasmBackend, t: TensorInfo): boolean {
  const v = f32Of(backend, t);
  for (let i = 0; i < v.length; i++) if (v[i] !== 1) return false;
  return v.length > 0;
}

/**
 * `[rows, k] @ [k, n]` (row-major float32) into a new tensor of `outShape`: fets's GEMM when `gemm` is on, else the
 * package kernel (XNNPACK).
 */
function product2d(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  rows: number,
  k: number,
  n: number,
  outShape: number[],
  gemm: boolean,
  fma = false,
): TensorInfo {
  if (gemm && rows * n > 0) {
    const out = backend.makeOutput(outShape, 'float32');
    if (gemmProducts(backend, a, b, out, { batch: 1, m: rows, k, n, aStep: 0, bStep: 0, fma, native: false })) return out;
    release(backend, out);
  }
  const a2 = reshapeInfo(backend, a, [1, rows, k]);
  const b2 = reshapeInfo(backend, b, [1, k, n]);
  const out = runOriginal('BatchMatMul', { a: a2, b: b2 }, { transposeA: false, transposeB: false }, backend);
  release(backend, a2, b2);
  const shaped = reshapeInfo(backend, out, outShape);
  release(backend, out);
  return shaped;
}

/**
 * The whole product on fets's GEMM, transposes included (no transposed copies): one 2-D product when b is a single
 * matrix and a is not transposed, else one product per batch entry. Undefined when the shapes need the other paths
 * (mismatched inner sizes, mixed broadcasting) or the GEMM is not available.
 */
function gemmProduct(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  transA: boolean,
  transB: boolean,
  fma: boolean,
  native: boolean,
): TensorInfo | undefined {
  const [ra, ca] = a.shape.slice(-2) as [number, number];
  const [rb, cb] = b.shape.slice(-2) as [number, number];
  const [m, k] = transA ? [ca, ra] : [ra, ca];
  const [kb, n] = transB ? [cb, rb] : [rb, cb];
  if (k !== kb) return undefined;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
  const size = sizeOf(outer);
  if ((batchA !== 1 && batchA !== size) || (batchB !== 1 && batchB !== size)) return undefined;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  if (size * m * n === 0) return out;
  if (k === 0) {
    backend.typedArrayFromHeap(out).fill(0);
    return out;
  }
  const flat = batchB === 1 && !transA;
  const dims = flat
    ? { batch: 1, m: batchA * m, k, n, aStep: 0, bStep: 0, transA, transB, fma, native }
    : { batch: size, m, k, n, aStep: batchA === 1 ? 0 : 1, bStep: batchB === 1 ? 0 : 1, transA, transB, fma, native };
  if (gemmProducts(backend, a, b, out, dims)) return out;
  release(backend, out);
  return undefined;
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
    if (m0.gemm || (m0.native && nativeAddon())) {
      const viaGemm = gemmProduct(backend, a, b, transposeA, transposeB, m0.fma, m0.native);
      if (viaGemm) return viaGemm;
    }
    if (transposeA && !transposeB && !batched) {
      // C = Aᵀ·B with A [k, m], B [k, n]: transposing B and then the [n, m] result moves k·n + n·m elements instead
      // of k·m (e.g. a weight gradient dyᵀ·x with dy [2048, 1024] and x [2048, 256]: 0.75 M instead of 2 M).
      const [k, m] = a.shape.slice(-2) as [number, number];
      const n = b.shape[b.shape.length - 1]!;
      if (b.shape[b.shape.length - 2] === k && k * n + n * m < k * m) {
        const bt = transposeLast2(backend, reshapeInfo(backend, b, [k, n]), true);
        const ct = product2d(backend, bt, a, n, k, m, [n, m], m0.gemm, m0.fma);
        release(backend, bt);
        const c = transposeLast2(backend, ct);
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
        return product2d(backend, a, b, batchA * m, k, n, [...outer, m, n], m0.gemm, m0.fma);
      }
      if (batchB !== size || (batchA !== 1 && batchA !== size)) {
        return runOriginal('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }, backend);
      }
      const batch = size;
      const out = backend.makeOutput([...outer, m, n], 'float32');
      if (batch * m * n > 0 && k === 0) backend.typedArrayFromHeap(out).fill(0);
      else if (batch * m * n > 0) {
        const dims = { batch, m, k, n, aStep: batchA === 1 ? 0 : 1, bStep: 1, fma: m0.fma, native: false };
        if (!(m0.gemm && gemmProducts(backend, a, b, out, dims))) xnnBatchedProducts(backend, a, b, out, dims);
      }
      return out;
    } finally {
      release(backend, ...temps);
    }
  };
}
