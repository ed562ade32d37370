import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { offsetOf, type KernelArgs, type WasmBackend } from '../wasmInternals.js';
import { nativeAddon } from './slot.js';

/** Keys of the weights kept packed by the native GEMM, one per tensor identity (its dataId object). */
const packKeys = new WeakMap<object, number>();
let nextPackKey = 1;
/** When a weight's data is gone (disposed, then collected), its packed copy is dropped too. */
const packRegistry =
  typeof FinalizationRegistry === 'undefined'
    ? undefined
    : new FinalizationRegistry<number>((key) => {
        try {
          nativeAddon()?.gemmForget({ key });
        } catch {
          // The addon is gone at exit: nothing to free.
        }
      });

/**
 * The key under which the native GEMM keeps this tensor's values packed. tfjs never changes a tensor's values in
 * place (a variable's assign gives it new data with a new dataId), so one key per dataId is one key per content.
 */
function packKey(dataId: object): number {
  let key = packKeys.get(dataId);
  if (key === undefined) {
    key = nextPackKey++;
    packKeys.set(dataId, key);
    packRegistry?.register(dataId, key);
  }
  return key;
}

/** Name of the fused dense-layer kernel (`x·Wᵀ + b`) registered on wasm when the native kernels run. */
export const LINEAR_KERNEL = 'FetsLinear';

/**
 * `FetsLinear`: inputs {x [M, K], w [N, K], b [N]} float32, attrs {activation: 'none' | 'gelu', cacheWeights}. Out:
 * `act(x·Wᵀ + b)` [M, N] in one native GEMM whose tiles get the bias (and the exact-erf GELU, value only) as they are
 * stored: no second pass over the output, no second tensor. With cacheWeights, W stays packed in the GEMM's panel
 * layout between calls (one packing per weight tensor instead of one per call).
 */
export function linearKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, w, b } = args.inputs as Record<string, TensorInfo>;
  const [m, k] = x!.shape as [number, number];
  const n = w!.shape[0]!;
  const out = backend.makeOutput([m, n], 'float32');
  if (m * n > 0) {
    nativeAddon()!.gemm(backend.wasm.HEAPU8, {
      a: offsetOf(backend, x!),
      b: offsetOf(backend, w!),
      c: offsetOf(backend, out),
      batch: 1,
      m,
      n,
      k,
      aStep: false,
      bStep: false,
      transA: false,
      transB: true,
      bias: offsetOf(backend, b!),
      activation: args.attrs?.activation === 'gelu' ? 'gelu' : 'none',
      ...(args.attrs?.cacheWeights ? { cacheB: packKey(w!.dataId as object) } : {}),
    });
  }
  return out;
}

/**
 * `act(x·Wᵀ + b)` with the fused kernel when the current backend has it (wasm with native kernels), else undefined
 * (the caller composes matMul, add and the activation). Float32 2-D x, W [N, K], b [N] only. The fused GELU has no
 * gradient: use it where none is taken (inference).
 *
 * @example
 * const y = linearFused(x, w, b) ?? tf.add(tf.matMul(x, w, false, true), b);
 */
export function linearFused(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor, activation: 'none' | 'gelu' = 'none'): tf.Tensor2D | undefined {
  if (!tf.getKernel(LINEAR_KERNEL, tf.getBackend())) return undefined;
  if (x.dtype !== 'float32' || w.dtype !== 'float32' || b.dtype !== 'float32' || b.rank !== 1) return undefined;
  if (x.shape[1] !== w.shape[1] || b.shape[0] !== w.shape[0]) return undefined;
  // At inference (no gradient tape) the weights are kept packed between calls; in training they change every step.
  const cacheWeights = (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth === 0;
  return tf.engine().runKernel(LINEAR_KERNEL, { x, w, b }, { activation, cacheWeights } as never) as tf.Tensor2D;
}
