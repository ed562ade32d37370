import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { offsetOf, type KernelArgs, type WasmBackend } from '../wasmInternals.js';
import { nativeAddon } from './slot.js';

/** Name of the fused self-attention kernel (inference) registered on wasm when the native kernels run. */
export const ATTENTION_KERNEL = 'FetsAttention';

/**
 * `FetsAttention`: inputs {q, k, v [B·L, H], mask? (additive, B·L floats: [B, L] or [B, 1, L])} float32, attrs
 * {seq: L, heads}. Out: the context [B·L, H], token-major: for each sequence b and head h (columns h·d … of width
 * d = H/heads), `softmax(Q·Kᵀ/√d + mask)·V`, in one native call that reads Q, K and V where the projections wrote them.
 */
export function attentionKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { q, k, v, mask } = args.inputs as Record<string, TensorInfo | undefined>;
  const seq = Number(args.attrs!.seq);
  const heads = Number(args.attrs!.heads);
  const [rows, width] = q!.shape as [number, number];
  const out = backend.makeOutput([rows, width], 'float32');
  const headDim = width / heads;
  nativeAddon()!.attention(backend.wasm.HEAPU8, {
    q: offsetOf(backend, q!),
    k: offsetOf(backend, k!),
    v: offsetOf(backend, v!),
    out: offsetOf(backend, out),
    ...(mask ? { mask: offsetOf(backend, mask) } : {}),
    batch: rows / seq,
    seq,
    heads,
    headDim,
    ldq: width,
    ldk: width,
    ldv: width,
    ldo: width,
    scale: 1 / Math.sqrt(headDim),
  });
  return out;
}

/**
 * Multi-head self-attention's context `softmax(Q·Kᵀ/√d + mask)·V` per sequence and head, token-major, with the fused
 * native kernel when the current backend has it (wasm with native kernels), else undefined (the caller composes
 * the head transposes, products and softmax). q, k, v: [B·L, H] float32; mask: additive, B·L values, or undefined.
 * No gradient: use it where none is taken (inference).
 *
 * @example
 * const ctx = attentionFused(q, k, v, maskAdd, L, heads) ?? composed();
 */
export function attentionFused(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  mask: tf.Tensor | undefined,
  seq: number,
  heads: number,
): tf.Tensor2D | undefined {
  if (!tf.getKernel(ATTENTION_KERNEL, tf.getBackend())) return undefined;
  const [rows, width] = q.shape;
  const same = (t: tf.Tensor) => t.dtype === 'float32' && t.rank === 2 && t.shape[0] === rows && t.shape[1] === width;
  if (!same(q) || !same(k) || !same(v) || width % heads !== 0 || rows % seq !== 0) return undefined;
  if (mask && (mask.dtype !== 'float32' || mask.size !== rows)) return undefined;
  const inputs: tf.NamedTensorMap = mask ? { q, k, v, mask } : { q, k, v };
  return tf.engine().runKernel(ATTENTION_KERNEL, inputs, { seq, heads } as never) as tf.Tensor2D;
}
