import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { nativeKernelsOn } from './native/slot.js';
import { Body, I32, SIMD, V128, wasmLoops, type ValType, type WasmMemory } from './assembler.js';
import { memoryOf, offsetOf, type KernelArgs, type WasmBackend } from './wasmInternals.js';

/**
 * `gelu(x, y, d, n4)`: for 4·n4 elements, with e = exp(−x²/2) and erf by Abramowitz & Stegun 7.1.26 (|error| ≤
 * 1.5e-7), Φ = (1 + erf(x/√2))/2, `y = x·Φ`, `d = Φ + x·e/√(2π)` (the derivative). exp(t) for t ≤ 0 is
 * 2^k·P(r), t = k·ln2 + r, P of degree 6, t clamped at −87.
 */
function geluBody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32];
  const b = new Body(params);
  const [px, py, pd, n] = [0, 1, 2, 3];
  const X = b.local(V128);
  const Z = b.local(V128);
  const T = b.local(V128);
  const K = b.local(V128);
  const R = b.local(V128);
  const E = b.local(V128);
  const CDF = b.local(V128);
  const mul = () => b.simd(SIMD.f32x4Mul);
  const add = () => b.simd(SIMD.f32x4Add);
  const sub = () => b.simd(SIMD.f32x4Sub);
  b.repeat(n, () => {
    b.load(px).tee(X).simd(SIMD.f32x4Abs).splat(Math.SQRT1_2);
    mul();
    b.set(Z);
    // T = max(−z², −87); K = nearest(T·log2 e); R = T − K·ln2_hi − K·ln2_lo
    b.get(Z).get(Z);
    mul();
    b.simd(SIMD.f32x4Neg).splat(-87).simd(SIMD.f32x4Max).tee(T).splat(Math.LOG2E);
    mul();
    b.simd(SIMD.f32x4Nearest).set(K);
    b.get(T).get(K).splat(0.693359375);
    mul();
    sub();
    b.get(K).splat(-2.1219444e-4);
    mul();
    sub();
    b.set(R);
    // P(R) by Horner, then × 2^K (K + 127 shifted into the exponent field).
    b.splat(1 / 720);
    for (const c of [1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1]) {
      b.get(R);
      mul();
      b.splat(c);
      add();
    }
    b.get(K).simd(SIMD.i32x4TruncSatF32x4S).splatBits(127).simd(SIMD.i32x4Add).i32(23).simd(SIMD.i32x4Shl);
    mul();
    b.set(E);
    // t = 1/(1 + p·z); erf(|x|/√2) = 1 − t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e
    b.splat(1).splat(1).get(Z).splat(0.3275911);
    mul();
    add();
    b.simd(SIMD.f32x4Div).set(T);
    b.splat(1).splat(1.061405429);
    for (const c of [-1.453152027, 1.421413741, -0.284496736, 0.254829592]) {
      b.get(T);
      mul();
      b.splat(c);
      add();
    }
    b.get(T);
    mul();
    b.get(E);
    mul();
    sub();
    // Signed erf: copy x's sign bit; Φ = 0.5 + 0.5·erf.
    b.get(X).splatBits(-0x80000000).simd(SIMD.and).simd(SIMD.xor).splat(0.5);
    mul();
    b.splat(0.5);
    add();
    b.set(CDF);
    b.store(py, () => {
      b.get(X).get(CDF);
      mul();
    });
    b.store(pd, () => {
      b.get(CDF).get(X).get(E);
      mul();
      b.splat(1 / Math.sqrt(2 * Math.PI));
      mul();
      add();
    });
    b.advance([px, py, pd], 16);
  });
  return { params, body: b };
}

/** The assembled loop(s) of this kernel. */
interface GeluLoops {
  gelu(x: number, y: number, d: number, n4: number): void;
}

/** This kernel's SIMD loop(s) for `memory`, or null (loops off, or no wasm SIMD). */
function geluLoops(memory: WasmMemory | undefined): GeluLoops | null {
  return wasmLoops<GeluLoops>(memory, 'gelu', () => [{ name: 'gelu', ...geluBody() }]);
}

/** Name of the fused GELU kernel (outputs y and the derivative dy/dx). */
export const GELU_KERNEL = 'FetsGelu';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
// Abramowitz & Stegun 7.1.26: erf(z) = 1 − t·(a1 + t·(a2 + …))·e^(−z²), t = 1/(1 + p·z), z ≥ 0; |error| ≤ 1.5e-7.
const AS_P = 0.3275911;
const AS_A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429] as const;

/**
 * GELU and its derivative at x, written into `y[i]` and `d[i]`: with e = exp(−x²/2) (shared by erf and the normal
 * density), Φ(x) = (1 + erf(x/√2))/2, `y = x·Φ(x)`, `d = Φ(x) + x·e/√(2π)`.
 */
export function geluInto(x: Float32Array, y: Float32Array, d: Float32Array, from = 0): void {
  const [a1, a2, a3, a4, a5] = AS_A;
  for (let i = from; i < x.length; i++) {
    const v = x[i]!;
    const z = Math.abs(v) * INV_SQRT2;
    const e = Math.exp(-z * z);
    const t = 1 / (1 + AS_P * z);
    const erfAbs = 1 - t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5)))) * e;
    const cdf = v >= 0 ? 0.5 + 0.5 * erfAbs : 0.5 - 0.5 * erfAbs;
    y[i] = v * cdf;
    d[i] = cdf + v * e * INV_SQRT_2PI;
  }
}

/**
 * `FetsGelu`: inputs {x} float32. Out: [y = x·Φ(x), dy/dx], both x's shape: one pass over the heap instead of five
 * elementwise kernels forward, and a single multiply backward. WebAssembly SIMD (simd.ts) when it compiles, the JS
 * loop {@link geluInto} otherwise and for the last n mod 4 elements.
 */
export function geluKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x!;
  const y = backend.makeOutput([...x.shape], 'float32');
  const d = backend.makeOutput([...x.shape], 'float32');
  const n = x.shape.reduce((p, q) => p * q, 1);
  const addon = nativeKernelsOn();
  if (addon) {
    addon.gelu(backend.wasm.HEAPU8, { x: offsetOf(backend, x), y: offsetOf(backend, y), d: offsetOf(backend, d), n });
    return [y, d];
  }
  const simd = geluLoops(memoryOf(backend));
  const n4 = simd ? n >> 2 : 0;
  if (simd && n4 > 0) simd.gelu(offsetOf(backend, x), offsetOf(backend, y), offsetOf(backend, d), n4);
  geluInto(
    backend.typedArrayFromHeap(x) as Float32Array,
    backend.typedArrayFromHeap(y) as Float32Array,
    backend.typedArrayFromHeap(d) as Float32Array,
    4 * n4,
  );
  return [y, d];
}

const fused = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const [y, d] = tf.engine().runKernel(GELU_KERNEL, { x }, {}) as tf.Tensor[];
  save([d!]);
  return {
    value: y!,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.mul(dy as tf.Tensor, saved[0]!)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * Exact (erf) GELU `0.5·x·(1 + erf(x/√2))`, as BERT's `gelu`. On a backend with the fused kernels (wasm, replacement
 * `Gelu` on) one pass forward and one backward; elsewhere the composition of tfjs ops. Values and gradients agree
 * with the composition to float32 precision (erf to 1.5e-7).
 *
 * @example
 * const h = geluErf(tf.tensor([-1, 0, 1])); // [-0.1587, 0, 0.8413]
 */
export function geluErf(x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && tf.getKernel(GELU_KERNEL, tf.getBackend())) {
    return fused(x);
  }
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}
