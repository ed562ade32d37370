import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { nativeKernelsOn } from './native/slot.js';
import { Body, F32, I32, SIMD, V128, wasmLoops, type ValType, type WasmMemory } from './assembler.js';
import { memoryOf, offsetOf, type KernelArgs, type WasmBackend } from './wasmInternals.js';

/**
 * `adamw(p, m, v, g, pOut, mOut, vOut, n4, β1, 1−β1, β2, 1−β2, bc1, bc2, ε, lr, decay)`: 4·n4 elements of
 * `m' = m·β1 + g·(1−β1)`, `v' = v·β2 + g²·(1−β2)`, `p' = p·decay − ((m'/bc1)/(√(v'/bc2) + ε))·lr`, every operation in
 * float32 in the order of the elementwise tfjs ops it replaces (so the results are the same bits).
 */
function adamwBody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, F32];
  const b = new Body(params);
  const [pp, pm, pv, pg, po, mo, vo, n] = [0, 1, 2, 3, 4, 5, 6, 7];
  const scalars = [8, 9, 10, 11, 12, 13, 14, 15, 16].map((i) => {
    const l = b.local(V128);
    b.get(i).simd(SIMD.f32x4Splat).set(l);
    return l;
  });
  const [B1, C1, B2, C2, BC1, BC2, EPS, LR, DEC] = scalars as [number, number, number, number, number, number, number, number, number];
  const G = b.local(V128);
  const M = b.local(V128);
  const V = b.local(V128);
  const mul = () => b.simd(SIMD.f32x4Mul);
  const add = () => b.simd(SIMD.f32x4Add);
  b.repeat(n, () => {
    b.load(pg).set(G);
    b.load(pm).get(B1);
    mul();
    b.get(G).get(C1);
    mul();
    add();
    b.set(M);
    b.store(mo, () => b.get(M));
    b.load(pv).get(B2);
    mul();
    b.get(G).get(G);
    mul();
    b.get(C2);
    mul();
    add();
    b.set(V);
    b.store(vo, () => b.get(V));
    b.store(po, () => {
      b.load(pp).get(DEC);
      mul();
      b.get(M).get(BC1).simd(SIMD.f32x4Div);
      b.get(V).get(BC2).simd(SIMD.f32x4Div).simd(SIMD.f32x4Sqrt).get(EPS);
      add();
      b.simd(SIMD.f32x4Div).get(LR);
      mul();
      b.simd(SIMD.f32x4Sub);
    });
    b.advance([pp, pm, pv, pg, po, mo, vo], 16);
  });
  return { params, body: b };
}

/** The assembled loop(s) of this kernel. */
interface AdamwLoops {
  adamw(
    p: number,
    m: number,
    v: number,
    g: number,
    pOut: number,
    mOut: number,
    vOut: number,
    n4: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    bc1: number,
    bc2: number,
    epsilon: number,
    learningRate: number,
    decay: number,
  ): void;
}

/** This kernel's SIMD loop(s) for `memory`, or null (loops off, or no wasm SIMD). */
function adamwLoops(memory: WasmMemory | undefined): AdamwLoops | null {
  return wasmLoops<AdamwLoops>(memory, 'adamw', () => [{ name: 'adamw', ...adamwBody() }]);
}

/** Name of the fused AdamW update kernel. */
export const ADAMW_KERNEL = 'FetsAdamW';

/** The scalars of one AdamW step for one variable. */
export interface AdamWStepScalars {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 − beta1^t and 1 − beta2^t. */
  bc1: number;
  bc2: number;
  /** Multiplier of the parameter before the step: 1 − lr·weightDecay, or 1 without decay. */
  decay: number;
}

/**
 * `FetsAdamW`: inputs {p, m, v, g} float32 of one shape, attrs {@link AdamWStepScalars}. Out: [p', m', v'] with
 * `m' = β1·m + (1−β1)·g`, `v' = β2·v + (1−β2)·g²`, `p' = decay·p − lr·(m'/bc1)/(√(v'/bc2) + ε)`: one pass over the
 * four buffers instead of about twelve elementwise kernels (for BERT's 30,522 × 256 word embedding, 7.8 M values),
 * in WebAssembly SIMD (simd.ts) when it compiles. Every operation is rounded to float32 in the order of the
 * elementwise version, so the results are identical to it.
 */
export function adamwKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { p, m, v, g } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as AdamWStepScalars;
  const b1 = Math.fround(a.beta1);
  const c1 = Math.fround(1 - a.beta1);
  const b2 = Math.fround(a.beta2);
  const c2 = Math.fround(1 - a.beta2);
  const bc1 = Math.fround(a.bc1);
  const bc2 = Math.fround(a.bc2);
  const eps = Math.fround(a.epsilon);
  const lr = Math.fround(a.learningRate);
  const decay = Math.fround(a.decay);
  const shape = [...p!.shape];
  const po = backend.makeOutput(shape, 'float32');
  const mo = backend.makeOutput(shape, 'float32');
  const vo = backend.makeOutput(shape, 'float32');
  const n = p!.shape.reduce((q, d) => q * d, 1);
  const addon = nativeKernelsOn();
  if (addon) {
    const o = (t: TensorInfo) => offsetOf(backend, t);
    addon.adamw(backend.wasm.HEAPU8, {
      p: o(p!),
      m: o(m!),
      v: o(v!),
      g: o(g!),
      pOut: o(po),
      mOut: o(mo),
      vOut: o(vo),
      n,
      b1,
      c1,
      b2,
      c2,
      bc1,
      bc2,
      eps,
      lr,
      decay,
    });
    return [po, mo, vo];
  }
  const simd = adamwLoops(memoryOf(backend));
  const n4 = simd ? n >> 2 : 0;
  if (simd && n4 > 0) {
    const o = (t: TensorInfo) => offsetOf(backend, t);
    simd.adamw(o(p!), o(m!), o(v!), o(g!), o(po), o(mo), o(vo), n4, b1, c1, b2, c2, bc1, bc2, eps, lr, decay);
  }
  const f = Math.fround;
  const ps = backend.typedArrayFromHeap(p!) as Float32Array;
  const ms = backend.typedArrayFromHeap(m!) as Float32Array;
  const vs = backend.typedArrayFromHeap(v!) as Float32Array;
  const gs = backend.typedArrayFromHeap(g!) as Float32Array;
  const pn = backend.typedArrayFromHeap(po) as Float32Array;
  const mn = backend.typedArrayFromHeap(mo) as Float32Array;
  const vn = backend.typedArrayFromHeap(vo) as Float32Array;
  // Float32 rounding after every operation, in the order of the elementwise ops: the same bits as the SIMD loop.
  for (let i = 4 * n4; i < n; i++) {
    const gi = gs[i]!;
    const mi = f(f(ms[i]! * b1) + f(gi * c1));
    const vi = f(f(vs[i]! * b2) + f(f(gi * gi) * c2));
    mn[i] = mi;
    vn[i] = vi;
    const step = f(f(mi / bc1) / f(f(Math.sqrt(f(vi / bc2))) + eps));
    pn[i] = f(f(ps[i]! * decay) - f(step * lr));
  }
  return [po, mo, vo];
}

/**
 * One AdamW step for one variable with the fused `FetsAdamW` kernel, or `null` when the current backend does not
 * have it (then the caller runs the elementwise version). Returns new tensors [p', m', v'] (see {@link adamwKernel});
 * the caller assigns them.
 *
 * @example
 * const next = adamwStep(value, m, v, grad, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, learningRate: 1e-3,
 *   bc1: 0.1, bc2: 0.001, decay: 1 - 1e-3 * 0.01 });
 */
export function adamwStep(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWStepScalars): tf.Tensor[] | null {
  if (!tf.getKernel(ADAMW_KERNEL, tf.getBackend())) return null;
  if (p.dtype !== 'float32' || g.dtype !== 'float32' || m.dtype !== 'float32' || v.dtype !== 'float32') return null;
  const same = (t: tf.Tensor) => t.size === p.size && t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]);
  if (!same(m) || !same(v) || !same(g)) return null;
  return tf.engine().runKernel(ADAMW_KERNEL, { p, m, v, g }, { ...s } as never) as tf.Tensor[];
}
