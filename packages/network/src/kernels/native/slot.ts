import type {
  AdamWArgs,
  AttentionArgs,
  AttentionTrainArgs,
  AttentionTrainGradArgs,
  BinaryArgs,
  BinaryRowsArgs,
  Col2imArgs,
  ColumnSumArgs,
  DropoutMaskArgs,
  GeluArgs,
  GemmArgs,
  Im2colArgs,
  Int8GemmRawArgs,
  Int8Info,
  Int8LinearArgs,
  Int8PackArgs,
  LayerNormArgs,
  LayerNormGradArgs,
  MaxPoolGradArgs,
} from './calls.js';

/**
 * Where the kernel layer finds fets' native addon, without loading it: the loader (addon.ts, Node only: it reads
 * files and `require`s a `.node` binary) installs itself here when it is imported, which `@fets/network` and
 * `@fets/network/kernels` do. A browser bundle (`@fets/network/browser`) never imports it, so there every kernel sees
 * no addon and runs its WebAssembly or JS loops.
 */

/**
 * The functions of fets' native addon (`packages/network/native`, built by node-gyp during `npm install`). Every
 * kernel works in place on one typed array (the tfjs wasm heap) at byte offsets, and takes its arguments by name
 * (calls.ts describes each).
 */
export interface NativeAddon {
  /** `batch` float32 products C = op(A)·op(B), with a bias and GELU fused when asked. */
  gemm(heap: Uint8Array, args: GemmArgs): void;
  /** The microkernel in use, every variant that runs on this CPU, the pool's threads and the CPUs available. */
  info(): {
    isa: string;
    isas: string[];
    threads: number;
    cpus: number;
    mr: number;
    nr: number;
    /** Bytes and entries of weights kept packed (GemmArgs.cacheB). */
    packedBytes: number;
    packedEntries: number;
  };
  /** Drops the weights kept packed under `key` (GemmArgs.cacheB). */
  gemmForget(args: { key: number }): void;
  /** Resizes the thread pool. */
  setThreads(args: { threads: number }): void;
  /** Picks a microkernel variant by name (`''`: the best for this CPU). */
  setIsa(args: { name: string }): void;
  /**
   * This variant's register-resident FMA rate, GFLOP/s, best over `seconds`: on the calling thread, or with
   * `allThreads` summed over every pool thread running the loop at once.
   */
  peak(args: { seconds: number; allThreads: boolean }): number;
  /** GEMM blocking for benchmarks (0 or absent keeps a value): k per block with threads, rows of A per block, k on one thread. */
  tune(args: { kc?: number; mc?: number; kcSerial?: number }): void;
  /** tf.dropout's multiplier from an Alea state. */
  dropoutMask(heap: Uint8Array, args: DropoutMaskArgs): void;
  /** GELU and its derivative. */
  gelu(heap: Uint8Array, args: GeluArgs): void;
  /** One AdamW step. */
  adamw(heap: Uint8Array, args: AdamWArgs): void;
  /** `out = a op b`, same shapes. */
  binary(heap: Uint8Array, args: BinaryArgs): void;
  /** `out[r, c] = a[r, c] op b[c]`. */
  binaryRows(heap: Uint8Array, args: BinaryRowsArgs): void;
  /** The instruction set of the element-wise loops (`avx512`, `avx2`, `base`). */
  vecIsa(): string;
  /** A convolution's patches. */
  im2col(heap: Uint8Array, args: Im2colArgs): void;
  /** The adjoint of `im2col`. */
  col2im(heap: Uint8Array, args: Col2imArgs): void;
  /** The max-pool gradient. */
  maxPoolGrad(heap: Uint8Array, args: MaxPoolGradArgs): void;
  /** Fused multi-head self-attention (inference): scores, mask, softmax and the product with V per head. */
  attention(heap: Uint8Array, args: AttentionArgs): void;
  /** Fused multi-head self-attention for training: the context and the probabilities, attention dropout included. */
  attentionTrain(heap: Uint8Array, args: AttentionTrainArgs): void;
  /** The gradient of `attentionTrain` with respect to q, k and v. */
  attentionTrainGrad(heap: Uint8Array, args: AttentionTrainGradArgs): void;
  /** Column sums (bias gradients), the same bits on any thread count. */
  columnSum(heap: Uint8Array, args: ColumnSumArgs): void;
  /** LayerNorm with the residual add fused in. */
  layerNorm(heap: Uint8Array, args: LayerNormArgs): void;
  /** LayerNorm's gradient. */
  layerNormGrad(heap: Uint8Array, args: LayerNormGradArgs): void;
  /** Copies and packs a dense layer's int8 weights (any typed array as the heap); returns their handle. */
  int8Pack(heap: Uint8Array, args: Int8PackArgs): number;
  /** Frees the int8 weights under `handle`. */
  int8Forget(args: { handle: number }): void;
  /** An int8 dense layer: activations quantized per row, int32 products, dequantized with the bias (and GELU). */
  int8Linear(heap: Uint8Array, args: Int8LinearArgs): void;
  /** The int8 kernel's integer product on raw unsigned activations (tests). */
  int8GemmRaw(heap: Uint8Array, args: Int8GemmRawArgs): void;
  /** The int8 kernel in use and those this CPU runs. */
  int8Info(): Int8Info;
  /** Picks an int8 kernel by name (`''`: the best for this CPU). */
  int8SetKernel(args: { name: string }): void;
}

let loader: () => NativeAddon | undefined = () => undefined;

/** Installs the addon's loader (called once by addon.ts when it is imported). */
export function setNativeLoader(load: () => NativeAddon | undefined): void {
  loader = load;
}

/**
 * The process's native addon, loaded once by the installed loader; undefined in a browser, or when it is
 * unavailable (`nativeStatus()` of `@fets/network` says why).
 *
 * @example
 * nativeAddon()?.info().isa; // 'avx512'
 */
export function nativeAddon(): NativeAddon | undefined {
  return loader();
}

let kernelsOn: () => boolean = () => true;

/** Lets the kernel registry say whether its `Native` switch is on (called once by registry.ts). */
export function setNativeSwitch(on: () => boolean): void {
  kernelsOn = on;
}

/**
 * The addon when the fused wasm kernels should run on it: loaded, and the `Native` switch on.
 *
 * @example
 * const addon = nativeKernelsOn();
 * if (addon) addon.gelu(heap, { x, y, d, n });
 */
export function nativeKernelsOn(): NativeAddon | undefined {
  return kernelsOn() ? nativeAddon() : undefined;
}
