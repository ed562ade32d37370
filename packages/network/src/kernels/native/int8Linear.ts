import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { offsetOf, type KernelArgs, type WasmBackend } from '../wasmInternals.js';
import { nativeAddon } from './slot.js';

/** Name of the int8 dense-layer kernel (inference) registered on wasm when the native kernels run. */
export const INT8_LINEAR_KERNEL = 'FetsLinearInt8';

/** When an {@link Int8Weights} is collected without dispose(), its native copy is freed too. */
const handles =
  typeof FinalizationRegistry === 'undefined'
    ? undefined
    : new FinalizationRegistry<number>((handle) => {
        try {
          nativeAddon()?.int8Forget({ handle });
        } catch {
          // The addon is gone at exit: nothing to free.
        }
      });

/**
 * A dense layer's int8 weights held by the native addon (outside the wasm heap), packed once for its int8 kernel:
 * `q` [n, k] in [−127, 127] row-major (PyTorch's `Linear.weight` layout, [out, in]) and one scale per output channel
 * (w ≈ q·scale). Freed by {@link dispose}, or when collected.
 *
 * @example
 * const w8 = Int8Weights.pack(q, scales, 256, 1024);
 * const y = int8Linear(x, w8, bias); // [M, 256]
 * w8.dispose();
 */
export class Int8Weights {
  #handle: number | undefined;

  private constructor(
    handle: number,
    /** Output channels (rows of W). */
    readonly n: number,
    /** Input features (columns of W). */
    readonly k: number,
  ) {
    this.#handle = handle;
    handles?.register(this, handle, this);
  }

  /**
   * Copies `q` (n·k int8) and `scales` (n floats) into the native addon and packs them; throws when the addon is not
   * loaded (check {@link int8Available} first).
   */
  static pack(q: Int8Array, scales: Float32Array, n: number, k: number): Int8Weights {
    const addon = nativeAddon();
    if (!addon) throw new Error('Int8Weights.pack: fets native addon is not loaded');
    // One buffer as the call's heap: the weights, then the scales at a 4-byte boundary.
    const at = Math.ceil((n * k) / 4) * 4;
    const heap = new Uint8Array(at + 4 * n);
    heap.set(new Uint8Array(q.buffer, q.byteOffset, n * k), 0);
    new Float32Array(heap.buffer, at, n).set(scales.subarray(0, n));
    return new Int8Weights(addon.int8Pack(heap, { q: 0, scales: at, n, k }), n, k);
  }

  /** The native handle (throws after dispose). */
  get handle(): number {
    if (this.#handle === undefined) throw new Error(`Int8Weights [${this.n}, ${this.k}]: used after dispose()`);
    return this.#handle;
  }

  /** Frees the native copy (idempotent). */
  dispose(): void {
    if (this.#handle === undefined) return;
    handles?.unregister(this);
    nativeAddon()?.int8Forget({ handle: this.#handle });
    this.#handle = undefined;
  }
}

/**
 * `FetsLinearInt8`: inputs {x [M, K] float32, b? [N]}, attrs {handle, n, activation: 'none' | 'gelu'}. Out:
 * `act(x·Wᵀ + b)` [M, N] with W the int8 weights under `handle`, x quantized per row at run time, int32 products.
 */
export function int8LinearKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, b } = args.inputs as Record<string, TensorInfo | undefined>;
  const [m, k] = x!.shape as [number, number];
  const n = Number(args.attrs!.n);
  const out = backend.makeOutput([m, n], 'float32');
  if (m * n > 0) {
    nativeAddon()!.int8Linear(backend.wasm.HEAPU8, {
      x: offsetOf(backend, x!),
      y: offsetOf(backend, out),
      ...(b ? { bias: offsetOf(backend, b) } : {}),
      m,
      n,
      k,
      handle: Number(args.attrs!.handle),
      activation: args.attrs!.activation === 'gelu' ? 'gelu' : 'none',
    });
  }
  return out;
}

/** Whether the current backend runs {@link int8Linear} (wasm with fets' native kernels). */
export function int8Available(): boolean {
  return tf.getKernel(INT8_LINEAR_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * `act(x·Wᵀ + b)` with int8 weights (inference only: no gradient). x: [M, K] float32 with K = w.k; b: [N] float32 or
 * undefined. Throws a RangeError on shapes that do not fit; the caller checks {@link int8Available}.
 *
 * @example
 * const y = int8Linear(x, w8, bias, 'gelu');
 */
export function int8Linear(x: tf.Tensor2D, w: Int8Weights, b: tf.Tensor | undefined, activation: 'none' | 'gelu' = 'none'): tf.Tensor2D {
  if (x.rank !== 2 || x.dtype !== 'float32' || x.shape[1] !== w.k)
    throw new RangeError(`int8Linear: x: expected float32 [M, ${w.k}], received ${x.dtype} [${x.shape.join(', ')}]`);
  if (b && (b.dtype !== 'float32' || b.size !== w.n))
    throw new RangeError(`int8Linear: bias: expected float32 [${w.n}], received ${b.dtype} [${b.shape.join(', ')}]`);
  const inputs: tf.NamedTensorMap = b ? { x, b } : { x };
  return tf.engine().runKernel(INT8_LINEAR_KERNEL, inputs, { handle: w.handle, n: w.n, activation } as never) as tf.Tensor2D;
}
