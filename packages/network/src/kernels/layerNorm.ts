import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { Body, F32, I32, SIMD, V128, wasmLoops, type ValType, type WasmMemory } from './assembler.js';
import { nativeKernelsOn } from './native/slot.js';
import { memoryOf, offsetOf, type KernelArgs, type WasmBackend } from './wasmInternals.js';

/**
 * `lnForward(x, gamma, beta, y, mean, rstd, rows, h4, 1/h, eps)`: LayerNorm of `rows` rows of h = 4·h4 floats: per
 * row μ = Σx/h, σ² = Σ(x − μ)²/h, rstd = 1/√(σ² + eps), `y = ((x − μ)·rstd)·γ + β` (the order of the tfjs ops);
 * μ and rstd stored per row. Sums in four float32 lanes.
 */
function lnForwardBody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32];
  const b = new Body(params);
  const [px, pg, pb, py, pm, pr, rows, h4, invH, eps] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [p, q, g, bb, n] = [b.local(I32), b.local(I32), b.local(I32), b.local(I32), b.local(I32)];
  const [ACC, M, R] = [b.local(V128), b.local(V128), b.local(V128)];
  const [mean, rstd] = [b.local(F32), b.local(F32)];
  const sub = () => b.simd(SIMD.f32x4Sub);
  const mul = () => b.simd(SIMD.f32x4Mul);
  const add = () => b.simd(SIMD.f32x4Add);
  b.repeat(rows, () => {
    // Σx
    b.splat(0).set(ACC).get(px).set(p).get(h4).set(n);
    b.repeat(n, () => {
      b.get(ACC).load(p);
      add();
      b.set(ACC).advance([p], 16);
    });
    b.hsum(ACC).get(invH).op(0x94).tee(mean).simd(SIMD.f32x4Splat).set(M);
    // Σ(x − μ)²
    b.splat(0).set(ACC).get(px).set(p).get(h4).set(n);
    b.repeat(n, () => {
      b.get(ACC).load(p).get(M);
      sub();
      b.set(R).get(R).get(R);
      mul();
      add();
      b.set(ACC).advance([p], 16);
    });
    b.f32(1).hsum(ACC).get(invH).op(0x94).get(eps).op(0x92).op(0x91).op(0x95).tee(rstd).simd(SIMD.f32x4Splat).set(R);
    // y = ((x − μ)·rstd)·γ + β
    b.get(px).set(p).get(py).set(q).get(pg).set(g).get(pb).set(bb).get(h4).set(n);
    b.repeat(n, () => {
      b.store(q, () => {
        b.load(p).get(M);
        sub();
        b.get(R);
        mul();
        b.load(g);
        mul();
        b.load(bb);
        add();
      });
      b.advance([p, q, g, bb], 16);
    });
    b.get(pm).get(mean).op(0x38, 2, 0).get(pr).get(rstd).op(0x38, 2, 0);
    b.advance([pm, pr], 4);
    b.get(px).get(h4).i32(16).op(0x6c).op(0x6a).set(px);
    b.get(py).get(h4).i32(16).op(0x6c).op(0x6a).set(py);
  });
  return { params, body: b };
}

/**
 * `lnBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, h4, 1/h)`: with x̂ = (x − μ)·rstd and g = dy·γ,
 * `dx = rstd·((g − mean(g)) − x̂·mean(g·x̂))`; `dgamma += dy·x̂`, `dbeta += dy` over rows (both zeroed by the caller).
 */
function lnBackwardBody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32];
  const b = new Body(params);
  const [pdy, px, pg, pm, pr, pdx, pdg, pdb, rows, h4, invH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [d, x, g, o, dg, db, n] = [b.local(I32), b.local(I32), b.local(I32), b.local(I32), b.local(I32), b.local(I32), b.local(I32)];
  const [M, R, XH, D, GJ, SG, SGX, MG, MGX] = Array.from({ length: 9 }, () => b.local(V128)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const sub = () => b.simd(SIMD.f32x4Sub);
  const mul = () => b.simd(SIMD.f32x4Mul);
  const add = () => b.simd(SIMD.f32x4Add);
  const xhat = () => {
    b.load(x).get(M);
    sub();
    b.get(R);
    mul();
    b.set(XH);
  };
  b.repeat(rows, () => {
    b.get(pm).op(0x2a, 2, 0).simd(SIMD.f32x4Splat).set(M);
    b.get(pr).op(0x2a, 2, 0).simd(SIMD.f32x4Splat).set(R);
    b.splat(0).set(SG).splat(0).set(SGX);
    b.get(pdy).set(d).get(px).set(x).get(pg).set(g).get(pdg).set(dg).get(pdb).set(db).get(h4).set(n);
    b.repeat(n, () => {
      xhat();
      b.load(d).set(D);
      b.get(D).load(g);
      mul();
      b.set(GJ);
      b.get(SG).get(GJ);
      add();
      b.set(SG);
      b.get(SGX).get(GJ).get(XH);
      mul();
      add();
      b.set(SGX);
      b.store(dg, () => {
        b.load(dg).get(D).get(XH);
        mul();
        add();
      });
      b.store(db, () => {
        b.load(db).get(D);
        add();
      });
      b.advance([d, x, g, dg, db], 16);
    });
    b.hsum(SG).get(invH).op(0x94).simd(SIMD.f32x4Splat).set(MG);
    b.hsum(SGX).get(invH).op(0x94).simd(SIMD.f32x4Splat).set(MGX);
    b.get(pdy).set(d).get(px).set(x).get(pg).set(g).get(pdx).set(o).get(h4).set(n);
    b.repeat(n, () => {
      xhat();
      b.store(o, () => {
        b.load(d).load(g);
        mul();
        b.get(MG);
        sub();
        b.get(XH).get(MGX);
        mul();
        sub();
        b.get(R);
        mul();
      });
      b.advance([d, x, g, o], 16);
    });
    b.advance([pm, pr], 4);
    for (const ptr of [pdy, px, pdx]) b.get(ptr).get(h4).i32(16).op(0x6c).op(0x6a).set(ptr);
  });
  return { params, body: b };
}

/** The assembled loop(s) of this kernel. */
interface LayerNormLoops {
  lnForward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    rstd: number,
    rows: number,
    h4: number,
    invH: number,
    eps: number,
  ): void;
  lnBackward(
    dy: number,
    x: number,
    gamma: number,
    mean: number,
    rstd: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    rows: number,
    h4: number,
    invH: number,
  ): void;
}

/** This kernel's SIMD loop(s) for `memory`, or null (loops off, or no wasm SIMD). */
function layerNormLoops(memory: WasmMemory | undefined): LayerNormLoops | null {
  return wasmLoops<LayerNormLoops>(memory, 'layerNorm', () => [
    { name: 'lnForward', ...lnForwardBody() },
    { name: 'lnBackward', ...lnBackwardBody() },
  ]);
}

/** Name of the fused LayerNorm forward kernel (outputs y, and per row the mean and 1/σ). */
export const LAYER_NORM_KERNEL = 'FetsLayerNorm';
/** Name of the fused LayerNorm gradient kernel (outputs dx, dγ, dβ). */
export const LAYER_NORM_GRAD_KERNEL = 'FetsLayerNormGrad';

/**
 * `FetsLayerNorm`: inputs {x [rows, h], gamma [h], beta [h]}, attrs {eps}. Out: [y [rows, h], mean [rows],
 * rstd [rows]] with biased variance, rstd = 1/√(var + eps), one row at a time: on the native addon when it runs (rows
 * on every thread, float32 sums in 16 lanes), else in WebAssembly SIMD (float32 sums in four lanes, see simd.ts) when
 * h is a multiple of 4, else a JS loop with float64 statistics.
 */
export function layerNormKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { x, gamma, beta } = args.inputs as Record<string, TensorInfo>;
  const eps = Number(args.attrs!.eps);
  const h = x!.shape[x!.shape.length - 1]!;
  const rows = x!.shape.reduce((p, d) => p * d, 1) / h;
  const y = backend.makeOutput([...x!.shape], 'float32');
  const mean = backend.makeOutput([rows], 'float32');
  const rstd = backend.makeOutput([rows], 'float32');
  const addon = nativeKernelsOn();
  if (addon) {
    const o = (t: TensorInfo) => offsetOf(backend, t);
    addon.layerNorm(backend.wasm.HEAPU8, {
      x: o(x!),
      gamma: o(gamma!),
      beta: o(beta!),
      y: o(y),
      mean: o(mean),
      rstd: o(rstd),
      rows,
      h,
      eps,
    });
    return [y, mean, rstd];
  }
  const simd = h % 4 === 0 ? layerNormLoops(memoryOf(backend)) : null;
  if (simd) {
    const o = (t: TensorInfo) => offsetOf(backend, t);
    simd.lnForward(o(x!), o(gamma!), o(beta!), o(y), o(mean), o(rstd), rows, h / 4, 1 / h, eps);
    return [y, mean, rstd];
  }
  const xs = backend.typedArrayFromHeap(x!) as Float32Array;
  const gs = backend.typedArrayFromHeap(gamma!) as Float32Array;
  const bs = backend.typedArrayFromHeap(beta!) as Float32Array;
  const ys = backend.typedArrayFromHeap(y) as Float32Array;
  const ms = backend.typedArrayFromHeap(mean) as Float32Array;
  const rs = backend.typedArrayFromHeap(rstd) as Float32Array;
  for (let r = 0; r < rows; r++) {
    const o = r * h;
    let s = 0;
    for (let j = 0; j < h; j++) s += xs[o + j]!;
    const mu = s / h;
    let v = 0;
    for (let j = 0; j < h; j++) {
      const d = xs[o + j]! - mu;
      v += d * d;
    }
    const inv = 1 / Math.sqrt(v / h + eps);
    for (let j = 0; j < h; j++) ys[o + j] = (xs[o + j]! - mu) * inv * gs[j]! + bs[j]!;
    ms[r] = mu;
    rs[r] = inv;
  }
  return [y, mean, rstd];
}

/**
 * `FetsLayerNormGrad`: inputs {dy, x, gamma, mean, rstd} (the forward's statistics). Out: [dx, dgamma, dbeta]:
 * with x̂ = (x − μ)·rstd and g = dy·γ, `dx = rstd·(g − mean(g) − x̂·mean(g·x̂))`, `dγ = Σ_rows dy·x̂`, `dβ = Σ_rows dy`.
 */
export function layerNormGradKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { dy, x, gamma, mean, rstd } = args.inputs as Record<string, TensorInfo>;
  const h = x!.shape[x!.shape.length - 1]!;
  const rows = x!.shape.reduce((p, d) => p * d, 1) / h;
  const dx = backend.makeOutput([...x!.shape], 'float32');
  const dgamma = backend.makeOutput([h], 'float32');
  const dbeta = backend.makeOutput([h], 'float32');
  const addon = nativeKernelsOn();
  if (addon) {
    const o = (t: TensorInfo) => offsetOf(backend, t);
    addon.layerNormGrad(backend.wasm.HEAPU8, {
      dy: o(dy!),
      x: o(x!),
      gamma: o(gamma!),
      mean: o(mean!),
      rstd: o(rstd!),
      dx: o(dx),
      dgamma: o(dgamma),
      dbeta: o(dbeta),
      rows,
      h,
    });
    return [dx, dgamma, dbeta];
  }
  const simd = h % 4 === 0 ? layerNormLoops(memoryOf(backend)) : null;
  if (simd) {
    const o = (t: TensorInfo) => offsetOf(backend, t);
    (backend.typedArrayFromHeap(dgamma) as Float32Array).fill(0);
    (backend.typedArrayFromHeap(dbeta) as Float32Array).fill(0);
    simd.lnBackward(o(dy!), o(x!), o(gamma!), o(mean!), o(rstd!), o(dx), o(dgamma), o(dbeta), rows, h / 4, 1 / h);
    return [dx, dgamma, dbeta];
  }
  const g = backend.typedArrayFromHeap(dy!) as Float32Array;
  const xs = backend.typedArrayFromHeap(x!) as Float32Array;
  const gs = backend.typedArrayFromHeap(gamma!) as Float32Array;
  const ms = backend.typedArrayFromHeap(mean!) as Float32Array;
  const rs = backend.typedArrayFromHeap(rstd!) as Float32Array;
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  const dg = new Float64Array(h);
  const db = new Float64Array(h);
  const xhat = new Float64Array(h);
  for (let r = 0; r < rows; r++) {
    const o = r * h;
    const mu = ms[r]!;
    const inv = rs[r]!;
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < h; j++) {
      const xh = (xs[o + j]! - mu) * inv;
      const d = g[o + j]!;
      const gj = d * gs[j]!;
      xhat[j] = xh;
      sg += gj;
      sgx += gj * xh;
      dg[j]! += d * xh;
      db[j]! += d;
    }
    const mg = sg / h;
    const mgx = sgx / h;
    for (let j = 0; j < h; j++) out[o + j] = inv * (g[o + j]! * gs[j]! - mg - xhat[j]! * mgx);
  }
  (backend.typedArrayFromHeap(dgamma) as Float32Array).set(dg);
  (backend.typedArrayFromHeap(dbeta) as Float32Array).set(db);
  return [dx, dgamma, dbeta];
}

function fusedFor(eps: number) {
  return tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM_KERNEL, { x, gamma, beta }, { eps } as never) as tf.Tensor[];
    save([x, gamma, mean!, rstd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sg, sm, sr] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf
          .engine()
          .runKernel(LAYER_NORM_GRAD_KERNEL, { dy: dy as tf.Tensor, x: sx, gamma: sg, mean: sm, rstd: sr }, {}) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
}

const byEps = new Map<number, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>();

/**
 * Layer normalisation over the last axis with biased variance (as `torch.nn.LayerNorm`): `(x − μ)/√(σ² + eps)·γ + β`.
 * On a backend with the fused kernels (wasm, replacement `LayerNorm` on) one pass forward and one backward;
 * elsewhere the composition of tfjs ops. x: [..., h] float32; gamma, beta: [h].
 *
 * @example
 * const y = layerNormLastAxis(x, gamma, beta, 1e-12);
 */
export function layerNormLastAxis<T extends tf.Tensor>(x: T, gamma: tf.Tensor, beta: tf.Tensor, eps: number): T {
  const h = x.shape[x.shape.length - 1];
  const be = tf.getBackend();
  if (
    x.dtype === 'float32' &&
    x.rank >= 1 &&
    gamma.rank === 1 &&
    beta.rank === 1 &&
    gamma.shape[0] === h &&
    beta.shape[0] === h &&
    tf.getKernel(LAYER_NORM_KERNEL, be) &&
    tf.getKernel(LAYER_NORM_GRAD_KERNEL, be)
  ) {
    let f = byEps.get(eps);
    if (!f) byEps.set(eps, (f = fusedFor(eps)));
    return f(x, gamma, beta) as T;
  }
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), gamma), beta) as T;
  });
}
