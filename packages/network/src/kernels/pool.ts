import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { BackendError } from '../backend/errors.js';
import { nativeKernelsOn } from './native/slot.js';
import { f32Of, offsetOf, type KernelArgs, type WasmBackend } from './wasmInternals.js';

type PoolAttrs = {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/**
 * `MaxPoolGrad` for wasm, in one pass: for each output position the window's first maximum in `input` (the element
 * tfjs' cpu kernel picks) receives that position's `dy`. The package's kernel took 39% of a LeNet training step here.
 * In: dy [B, outH, outW, C], input [B, H, W, C], output; attrs as tfjs'. Out: dx [B, H, W, C] float32.
 */
export function maxPoolGrad(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, input } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as PoolAttrs;
  if (input!.shape.length !== 4) throw new BackendError(`MaxPoolGrad: expected a 4-D input, received shape [${input!.shape}]`);
  const info = tf.backend_util.computePool2DInfo(
    input!.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const out = backend.makeOutput([b, h, w, c], 'float32');
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const addon = nativeKernelsOn();
  if (addon) {
    // The same rule in native code (first maximum in row-major order), images on the pool's threads.
    addon.maxPoolGrad(backend.wasm.HEAPU8, {
      x: offsetOf(backend, input!),
      dy: offsetOf(backend, dy!),
      dx: offsetOf(backend, out),
      batch: b,
      inH: h,
      inW: w,
      inC: c,
      outH: oh,
      outW: ow,
      kH: fh,
      kW: fw,
      strideH: sh,
      strideW: sw,
      dilationH: 1,
      dilationW: 1,
      padTop: top,
      padLeft: left,
    });
    return out;
  }
  const x = f32Of(backend, input!);
  const g = f32Of(backend, dy!);
  const dx = f32Of(backend, out);
  dx.fill(0);
  // Channels innermost, as NHWC stores them: each window element is one contiguous run of `c` values, compared
  // against the running maximum of every channel at once (a walk over one channel's window at a stride of c floats
  // was 2.4× slower on LeNet's first pool).
  const bestV = new Float32Array(c);
  const bestAt = new Int32Array(c);
  for (let n = 0; n < b; n++) {
    const xb = n * h * w * c;
    for (let r = 0; r < oh; r++) {
      const r0 = Math.max(0, r * sh - top);
      const r1 = Math.min(h, r * sh - top + fh);
      for (let q = 0; q < ow; q++) {
        const c0 = Math.max(0, q * sw - left);
        const c1 = Math.min(w, q * sw - left + fw);
        if (r0 >= r1 || c0 >= c1) continue;
        const go = ((n * oh + r) * ow + q) * c;
        // The window's first element starts every channel's maximum (so a NaN there is kept, as before).
        const p0 = xb + (r0 * w + c0) * c;
        for (let ch = 0; ch < c; ch++) {
          bestV[ch] = x[p0 + ch]!;
          bestAt[ch] = p0 + ch;
        }
        for (let i = r0; i < r1; i++) {
          for (let j = i === r0 ? c0 + 1 : c0; j < c1; j++) {
            const p = xb + (i * w + j) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[p + ch]!;
              if (v > bestV[ch]!) {
                bestV[ch] = v;
                bestAt[ch] = p + ch;
              }
            }
          }
        }
        for (let ch = 0; ch < c; ch++) dx[bestAt[ch]!]! += g[go + ch]!;
      }
    }
  }
  return out;
}
