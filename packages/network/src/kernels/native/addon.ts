import type {
  AdamWArgs,
  AttentionArgs,
  BinaryArgs,
  BinaryRowsArgs,
  Col2imArgs,
  DropoutMaskArgs,
  GeluArgs,
  GemmArgs,
  Im2colArgs,
  LayerNormArgs,
  LayerNormGradArgs,
  MaxPoolGradArgs,
} from './calls.js';

// Node's modules are looked up when the addon is loaded, not imported: the kernel layer is bundled for browsers too
// (where there is no addon and these functions report so).
const node = () =>
  typeof process !== 'undefined' && typeof process.getBuiltinModule === 'function'
    ? {
        fs: process.getBuiltinModule('node:fs') as typeof import('node:fs'),
        path: process.getBuiltinModule('node:path') as typeof import('node:path'),
        url: process.getBuiltinModule('node:url') as typeof import('node:url'),
        module: process.getBuiltinModule('node:module') as typeof import('node:module'),
      }
    : undefined;

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
  /** LayerNorm with the residual add fused in. */
  layerNorm(heap: Uint8Array, args: LayerNormArgs): void;
  /** LayerNorm's gradient. */
  layerNormGrad(heap: Uint8Array, args: LayerNormGradArgs): void;
}

/** Whether the addon runs here, and why not when it does not. */
export type NativeLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string; path: string };

/** The addon's folder (`packages/network/native`), from this file in `src/` or its compiled copy in `dist/`. */
export function nativeDir(): string {
  const n = node();
  if (!n) return '';
  return n.path.resolve(n.path.dirname(n.url.fileURLToPath(import.meta.url)), '..', '..', '..', 'native');
}

/**
 * Loads the addon from `dir` (default {@link nativeDir}). When the binary is missing, the reason recorded by the
 * install-time build (`build/status.json`) is returned; when it fails to load, the loader's message.
 *
 * @example
 * const r = loadNativeAddon();
 * if (!r.ok) console.log(r.reason);
 */
export function loadNativeAddon(dir: string = nativeDir()): NativeLoad {
  const n = node();
  if (!n) return { ok: false, reason: 'not running on Node.js', path: '' };
  const { fs, path } = n;
  const file = path.join(dir, 'build', 'Release', 'fets_native.node');
  if (!fs.existsSync(file)) {
    let reason = `not built (no ${file}; run \`node ${path.join(dir, 'build.mjs')}\`)`;
    try {
      const status = JSON.parse(fs.readFileSync(path.join(dir, 'build', 'status.json'), 'utf8')) as { ok?: boolean; reason?: string };
      if (status.ok === false && status.reason) reason = `the install-time build failed: ${status.reason}`;
    } catch {
      // No status: the build never ran (installed with --ignore-scripts, or a copy of the sources).
    }
    return { ok: false, reason, path: file };
  }
  try {
    const addon = n.module.createRequire(import.meta.url)(file) as NativeAddon;
    if (typeof addon.gemm !== 'function' || typeof addon.info !== 'function') {
      return { ok: false, reason: `${file} is not fets' native addon (no gemm/info)`, path: file };
    }
    return { ok: true, addon, path: file };
  } catch (e) {
    return { ok: false, reason: `${file} failed to load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, path: file };
  }
}

let cached: NativeLoad | undefined;

/**
 * The process's native addon, loaded once (undefined when it is unavailable; {@link nativeStatus} says why).
 *
 * @example
 * nativeAddon()?.info().isa; // 'avx512'
 */
export function nativeAddon(): NativeAddon | undefined {
  cached ??= loadNativeAddon((typeof process !== 'undefined' && process.env?.FETS_NATIVE_DIR) || undefined);
  return cached.ok ? cached.addon : undefined;
}

/**
 * What the native kernels are: `{ ok: true, isa, threads, … }` or `{ ok: false, reason }`.
 *
 * @example
 * nativeStatus(); // { ok: true, isa: 'avx512', isas: ['avx512', 'avx2', 'generic'], threads: 2, cpus: 2, … }
 */
export function nativeStatus():
  | ({ ok: true; path: string } & ReturnType<NativeAddon['info']>)
  | { ok: false; reason: string; path: string } {
  const addon = nativeAddon();
  const c = cached!;
  if (!addon || !c.ok) return c as { ok: false; reason: string; path: string };
  return { ok: true, path: c.path, ...addon.info() };
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

/**
 * Sets the native thread pool's size (default: `FETS_THREADS`, else every CPU this process may use). No effect when
 * the addon is unavailable.
 *
 * @example
 * setNativeThreads(1);
 */
export function setNativeThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`setNativeThreads: expected an integer from 1 to 256, received ${n}`);
  nativeAddon()?.setThreads({ threads: n });
}
