import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { aleaSeed } from './alea.js';
import { nativeKernelsOn } from './native/slot.js';
import { offsetOf, type KernelArgs, type WasmBackend } from './wasmInternals.js';

/** Name of the fused dropout-mask kernel fets registers on wasm. */
export const DROPOUT_MASK_KERNEL = 'FetsDropoutMask';

/**
 * Writes tf.dropout's multiplier into `out`: for each element u = the next Alea draw (as float32, like
 * randomUniform's buffer), `floor(u + keep) / keep` in float32 arithmetic, i.e. 0 or fround(1 / keep). The draws
 * are those of `tf.randomUniform(shape, 0, 1, 'float32', seed)`, so the mask equals tf.dropout's bit for bit.
 */
export function fillDropoutMask(out: Float32Array, rate: number, seed: number | string | undefined): void {
  const st = aleaSeed(String(seed ?? Math.random()));
  const keep = Math.fround(1 - rate);
  const scale = Math.fround(1 / keep);
  let { s0, s1, s2, c } = st;
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    out[i] = Math.fround(Math.fround(s2) + keep) >= 1 ? scale : 0;
  }
}

/**
 * The `FetsDropoutMask` kernel: no inputs; attrs {shape, rate, seed}. Out: float32 tensor of `shape` holding
 * tf.dropout's multiplier (see {@link fillDropoutMask}), in one pass over the heap instead of a JS buffer of
 * randomUniform, its upload and three elementwise kernels.
 */
export function dropoutMaskKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const shape = args.attrs!.shape as number[];
  const out = backend.makeOutput([...shape], 'float32');
  const addon = nativeKernelsOn();
  if (addon) {
    const rate = Number(args.attrs!.rate);
    const st = aleaSeed(String(args.attrs!.seed ?? Math.random()));
    const keep = Math.fround(1 - rate);
    const n = shape.reduce((p, d) => p * d, 1);
    addon.dropoutMask(backend.wasm.HEAPU8, {
      out: offsetOf(backend, out),
      n,
      s0: st.s0,
      s1: st.s1,
      s2: st.s2,
      c: st.c,
      keep,
      scale: Math.fround(1 / keep),
    });
    return out;
  }
  fillDropoutMask(backend.typedArrayFromHeap(out) as Float32Array, Number(args.attrs!.rate), args.attrs!.seed as number | undefined);
  return out;
}

/**
 * Inverted dropout equal to `tf.dropout(x, rate, undefined, seed)` (same mask for the same seed), computed with the
 * fused `FetsDropoutMask` kernel when the current backend has it (wasm, replacement `Dropout` on), else by tf.dropout.
 * Gradient: `dy · mask` (the mask is a constant).
 *
 * @example
 * const y = dropoutSeeded(x, 0.1, 42); // same values as tf.dropout(x, 0.1, undefined, 42)
 */
export function dropoutSeeded<T extends tf.Tensor>(x: T, rate: number, seed?: number): T {
  if (rate === 0 || !tf.getKernel(DROPOUT_MASK_KERNEL, tf.getBackend()) || x.dtype !== 'float32' || !(rate > 0 && rate < 1)) {
    return tf.dropout(x, rate, undefined, seed) as T;
  }
  return tf.tidy(() => {
    const mask = tf.engine().runKernel(DROPOUT_MASK_KERNEL, {}, { shape: x.shape, rate, seed } as never) as tf.Tensor;
    return tf.mul(x, mask) as T;
  });
}
