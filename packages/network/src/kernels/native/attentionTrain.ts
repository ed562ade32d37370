import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { aleaSeed } from '../alea.js';
import { offsetOf, type KernelArgs, type WasmBackend } from '../wasmInternals.js';
import type { AttentionDropoutArgs } from './calls.js';
import { nativeAddon } from './slot.js';

/** Name of the fused training self-attention kernel (native kernels only). */
export const ATTENTION_TRAIN_KERNEL = 'FetsAttentionTrain';
/** Name of its gradient kernel. */
export const ATTENTION_TRAIN_GRAD_KERNEL = 'FetsAttentionTrainGrad';

/** The native dropout arguments for attrs {keep, seed}: tf.dropout's multiplier from `aleaSeed(String(seed))`. */
function dropoutArgs(attrs: Record<string, unknown>): AttentionDropoutArgs {
  const keep = Number(attrs.keep);
  if (keep === 1) return { keep: 1 };
  const st = aleaSeed(String(attrs.seed));
  return { keep, dropScale: Math.fround(1 / keep), s0: st.s0, s1: st.s1, s2: st.s2, c: st.c };
}

/** Sequences, heads and strides of token-major q, k, v [B·L, H]. */
function geometry(q: TensorInfo, attrs: Record<string, unknown>) {
  const seq = Number(attrs.seq);
  const heads = Number(attrs.heads);
  const [rows, width] = q.shape as [number, number];
  const headDim = width / heads;
  return { batch: rows / seq, seq, heads, headDim, ldq: width, ldk: width, ldv: width, ldo: width, scale: 1 / Math.sqrt(headDim) };
}

/**
 * `FetsAttentionTrain`: inputs {q, k, v [B·L, H], mask? (additive, B·L floats)} float32, attrs {seq, heads, keep, seed}.
 * Out: [context [B·L, H] token-major, probs [B, heads, L, L]]: per sequence and head `softmax(Q·Kᵀ/√d + mask)` (kept
 * for the gradient) and the context from it times tf.dropout's multiplier for rate 1 − keep and `seed` (the mask of
 * the probabilities as the [B, heads·L, L] tensor tf.dropout would see).
 */
export function attentionTrainKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { q, k, v, mask } = args.inputs as Record<string, TensorInfo | undefined>;
  const g = geometry(q!, args.attrs!);
  const out = backend.makeOutput([...q!.shape], 'float32');
  const probs = backend.makeOutput([g.batch, g.heads, g.seq, g.seq], 'float32');
  const o = (t: TensorInfo) => offsetOf(backend, t);
  nativeAddon()!.attentionTrain(backend.wasm.HEAPU8, {
    q: o(q!),
    k: o(k!),
    v: o(v!),
    out: o(out),
    probs: o(probs),
    ...(mask ? { mask: o(mask) } : {}),
    ...g,
    ...dropoutArgs(args.attrs!),
  });
  return [out, probs];
}

/**
 * `FetsAttentionTrainGrad`: inputs {q, k, v, probs (the forward's), dy [B·L, H]}, attrs as the forward's. Out: [dq, dk,
 * dv], token-major [B·L, H].
 */
export function attentionTrainGradKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { q, k, v, probs, dy } = args.inputs as Record<string, TensorInfo>;
  const g = geometry(q!, args.attrs!);
  const dq = backend.makeOutput([...q!.shape], 'float32');
  const dk = backend.makeOutput([...q!.shape], 'float32');
  const dv = backend.makeOutput([...q!.shape], 'float32');
  const o = (t: TensorInfo) => offsetOf(backend, t);
  nativeAddon()!.attentionTrainGrad(backend.wasm.HEAPU8, {
    q: o(q!),
    k: o(k!),
    v: o(v!),
    probs: o(probs!),
    dout: o(dy!),
    dq: o(dq),
    dk: o(dk),
    dv: o(dv),
    ...g,
    ...dropoutArgs(args.attrs!),
  });
  return [dq, dk, dv];
}

/**
 * Multi-head self-attention's context `dropout(softmax(Q·Kᵀ/√d + mask))·V` per sequence and head, token-major, with a
 * gradient for q, k and v: the fused native kernels when the current backend has them (wasm with native kernels), else
 * undefined (the caller composes head transposes, products, softmax and `dropout`). The dropout equals
 * `tf.dropout(probs [B, heads·L, L], rate, undefined, seed)` with `seed = nextSeed()`, called only when the fused
 * kernels run and rate > 0 (so a seed stream advances exactly as the composed path's would). q, k, v: [B·L, H]
 * float32; mask: additive, B·L values (constant: no gradient), or undefined.
 *
 * @example
 * const ctx = attentionTrainFused(q, k, v, maskAdd, L, heads, 0.1, () => seeds.next()) ?? composed();
 */
export function attentionTrainFused(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  mask: tf.Tensor | undefined,
  seq: number,
  heads: number,
  rate: number,
  nextSeed: () => number,
): tf.Tensor2D | undefined {
  const be = tf.getBackend();
  if (!tf.getKernel(ATTENTION_TRAIN_KERNEL, be) || !tf.getKernel(ATTENTION_TRAIN_GRAD_KERNEL, be)) return undefined;
  const [rows, width] = q.shape;
  const same = (t: tf.Tensor) => t.dtype === 'float32' && t.rank === 2 && t.shape[0] === rows && t.shape[1] === width;
  if (!same(q) || !same(k) || !same(v) || width % heads !== 0 || rows % seq !== 0) return undefined;
  if (mask && (mask.dtype !== 'float32' || mask.size !== rows)) return undefined;
  if (!(rate >= 0 && rate < 1)) return undefined;
  const attrs = { seq, heads, keep: Math.fround(1 - rate), seed: rate > 0 ? nextSeed() : 0 };
  const f = tf.customGrad(((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    const inputs: tf.NamedTensorMap = mask ? { q: qi, k: ki, v: vi, mask } : { q: qi, k: ki, v: vi };
    const [ctx, probs] = tf.engine().runKernel(ATTENTION_TRAIN_KERNEL, inputs, attrs as never) as tf.Tensor[];
    save([qi, ki, vi, probs!]);
    return {
      value: ctx!,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [qs, ks, vs, ps] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf
          .engine()
          .runKernel(ATTENTION_TRAIN_GRAD_KERNEL, { q: qs, k: ks, v: vs, probs: ps, dy: dy as tf.Tensor }, attrs as never) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor2D;
  return f(q, k, v);
}
