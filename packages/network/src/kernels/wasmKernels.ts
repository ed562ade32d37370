import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { parseOptions } from '@fets/pipeline';
import { z } from 'zod';
import { gemmLoops, wasmGemmCalls } from './gemm.js';
import { getKernelOverrides, installedKernels, kernelCalls, KERNEL_OVERRIDES, setKernelOverrides } from './registry.js';
import { memoryOf, type WasmBackend } from './wasmInternals.js';

/**
 * fets' WebAssembly kernels for a host without the native addon: a web page (examples/ner-web) or any bundle of
 * `@fets/network/browser`. They are the wasm kernel replacements Node uses when the addon is missing: the GEMM
 * assembled at run time (wasm SIMD, fused multiply-adds where the engine has relaxed SIMD), GELU and LayerNorm in one
 * pass, transposes, gathers and the buffer-sharing Identity; they run on the tfjs wasm heap in place, on the calling
 * thread. The native addon (Node only) is never loaded from here.
 */

export const wasmKernelOptionsSchema = z.strictObject({
  /**
   * The GEMM's microkernel uses fused multiply-adds (relaxed SIMD `f32x4.relaxed_madd`) where the engine compiles
   * them (Chrome 114+, Node 22+); false: one multiply and one add per step, the same bits as a naive float32 dot
   * product.
   */
  fma: z.boolean().default(true),
});
/** Options of {@link registerWasmKernels}. */
export type WasmKernelOptions = z.input<typeof wasmKernelOptionsSchema>;

/** What {@link wasmKernelStatus} reports. */
export type WasmKernelStatus = {
  /** The tfjs kernel names fets has registered on wasm (its replacements and fused kernels), sorted. */
  kernels: string[];
  /**
   * The GEMM on the current wasm heap: `fma` (relaxed SIMD), `simd`, or `off` (the backend is not wasm or has not
   * started, or the engine lacks wasm SIMD: the package's XNNPACK products serve).
   */
  gemm: 'fma' | 'simd' | 'off';
  /** XNNPACK's thread count in the wasm backend (its own kernels; fets' kernels run on the calling thread). */
  threads: number;
  /** The heap is a SharedArrayBuffer: the threaded wasm build (a page gets it only when cross-origin isolated). */
  sharedMemory: boolean;
  /** Calls of fets' registered kernels so far, by kernel name, and `gemm`: products run on the WebAssembly GEMM. */
  calls: Record<string, number>;
};

/**
 * Registers fets' WebAssembly kernels on the tfjs wasm backend (every replacement but `Native`, which stays as it
 * is: off in a browser) and returns what serves. Call it before or after `tf.setBackend('wasm')`; the GEMM is
 * assembled for the backend's heap on first use.
 *
 * @example
 * await tf.setBackend('wasm');
 * const s = registerWasmKernels(); // { kernels: ['BatchMatMul', 'FetsGelu', …], gemm: 'fma', threads: 1, … }
 */
export function registerWasmKernels(options: WasmKernelOptions = {}): WasmKernelStatus {
  const o = parseOptions('registerWasmKernels', wasmKernelOptionsSchema, options);
  const on = Object.fromEntries(KERNEL_OVERRIDES.filter((k) => k !== 'Native').map((k) => [k, true]));
  setKernelOverrides({ ...on, GemmFma: o.fma });
  return wasmKernelStatus();
}

/**
 * fets' kernels on the wasm backend now: which are registered, whether the GEMM's loops run on the current heap,
 * the backend's threads, and how often each kernel has run.
 *
 * @example
 * wasmKernelStatus().calls.FetsLayerNorm; // LayerNorm passes on fets' kernel so far
 */
export function wasmKernelStatus(): WasmKernelStatus {
  const backend = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmBackend) : undefined;
  const memory = backend ? memoryOf(backend) : undefined;
  const settings = getKernelOverrides();
  let gemm: WasmKernelStatus['gemm'] = 'off';
  if (memory && settings.Gemm) {
    if (settings.GemmFma && gemmLoops(memory, true)) gemm = 'fma';
    else if (gemmLoops(memory, false)) gemm = 'simd';
  }
  return {
    kernels: installedKernels(),
    gemm,
    threads: backend ? tfwasm.getThreadsCount() : 0,
    sharedMemory: typeof SharedArrayBuffer !== 'undefined' && memory?.buffer instanceof SharedArrayBuffer,
    calls: { ...kernelCalls(), gemm: wasmGemmCalls() },
  };
}

/**
 * One line for a status bar: `fets kernels (GEMM with FMA, GELU, LayerNorm, …; 1 thread)`, or why they do not serve.
 *
 * @example
 * formatWasmKernelStatus(wasmKernelStatus()); // 'fets kernels (GEMM with FMA, GELU, LayerNorm + 7 more; 1 thread)'
 */
export function formatWasmKernelStatus(s: WasmKernelStatus): string {
  if (s.kernels.length === 0) return 'no fets kernels';
  const named = [s.gemm === 'off' ? 'GEMM off (no wasm SIMD)' : `GEMM${s.gemm === 'fma' ? ' with FMA' : ''}`];
  if (s.kernels.includes('FetsGelu')) named.push('GELU');
  if (s.kernels.includes('FetsLayerNorm')) named.push('LayerNorm');
  const rest = s.kernels.filter((k) => !['BatchMatMul', 'FetsGelu', 'FetsLayerNorm'].includes(k)).length;
  const threads = `${s.threads} thread${s.threads === 1 ? '' : 's'}${s.sharedMemory ? ', shared memory' : ''}`;
  return `fets kernels (${named.join(', ')}${rest ? ` + ${rest} more` : ''}; ${threads})`;
}
