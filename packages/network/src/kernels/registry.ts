import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { nearestName } from '@fets/pipeline';
import { BackendError } from '../backend/errors.js';
import { ADAMW_KERNEL, adamwKernel } from './adamw.js';
import { makeBatchMatMul } from './batchMatMul.js';
import { columnSum } from './columnSum.js';
import { DROPOUT_MASK_KERNEL, dropoutMaskKernel } from './dropout.js';
import { GELU_KERNEL, geluKernel } from './gelu.js';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNormGradKernel, layerNormKernel } from './layerNorm.js';
import { gatherRows, identityShared, transposeFast } from './layout.js';
import { unsortedSegmentSum } from './segmentSum.js';
import { nativeAddon, setNativeSwitch } from './native/slot.js';
import { conv2D, conv2DBackpropFilter, conv2DBackpropInput, depthwiseBackpropFilter, depthwiseBackpropInput } from './conv.js';
import { maxPoolGrad } from './pool.js';
import { nativeBinary } from './native/binary.js';
import { LINEAR_KERNEL, linearKernel } from './native/linear.js';
import { ATTENTION_KERNEL, attentionKernel } from './native/attention.js';
import {
  ATTENTION_TRAIN_GRAD_KERNEL,
  ATTENTION_TRAIN_KERNEL,
  attentionTrainGradKernel,
  attentionTrainKernel,
} from './native/attentionTrain.js';
import { INT8_LINEAR_KERNEL, int8LinearKernel } from './native/int8Linear.js';
import { ADD_LAYER_NORM_KERNEL, addLayerNormKernel } from './addLayerNorm.js';
import { WASM_PACKAGE_VERSION, captureOriginal, wasmVersionMismatch } from './wasmInternals.js';

/**
 * The wasm kernel replacements fets can install, each switchable:
 * - `UnsortedSegmentSum`: missing on wasm (gradient of tf.gather), computed with ScatterNd.
 * - `BatchMatMulTranspose`: matMul with transposeA/transposeB as explicit transpose + XNNPACK product (for a
 *   transposed left operand, whichever of the two operands is cheaper to transpose).
 * - `BatchMatMulBatched`: 3-D/4-D products (attention) as XNNPACK products per batch, or one product when the right
 *   operand is broadcast.
 * - `BatchMatMulOnes`: `ones[1, k] @ b` (bias gradients) as a column sum.
 * - `Gemm`: float32 products on fets's WebAssembly SIMD GEMM instead of XNNPACK (see gemm.ts).
 * - `GemmFma`: that GEMM with fused multiply-adds (relaxed SIMD; sets V8's `--experimental-wasm-relaxed-simd` on
 *   Node 20). Off: every product is the same bits as a naive float32 dot product.
 * - `Sum`: sums over leading axes (column sums) by halving through the wasm Add kernel.
 * - `Identity`: shares the buffer instead of copying it (tfjs clones every tensor it saves for the backward pass).
 * - `Transpose`: no-op permutations share the buffer; batched 2-axis swaps run as tiled copies.
 * - `GatherV2`: axis-0 gathers (embedding lookups) as row copies.
 * - `Dropout`: kernel `FetsDropoutMask`, tf.dropout's mask in one pass (used by `dropoutSeeded`, hence BERT's dropout).
 * - `Gelu`: kernel `FetsGelu` (value and derivative in one pass) (used by `geluErf`, hence BERT's `gelu`).
 * - `LayerNorm`: kernels `FetsLayerNorm`/`FetsLayerNormGrad` (used by `layerNormLastAxis`, hence BERT's LayerNorm); with
 *   the native addon also `FetsAddLayerNorm` (the residual add fused in: `addLayerNorm`).
 * - `AdamW`: kernel `FetsAdamW`, the whole update of one variable in one pass (used by AdamW).
 * - `Conv`: the convolution gradients wasm lacks (`Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`,
 *   `DepthwiseConv2dNativeBackpropInput`) and `Conv2DBackpropInput` (the package's ignores dilation), as im2col plus
 *   one GEMM; with the native addon also `Conv2D` (see conv.ts); and `MaxPoolGrad` in one pass (pool.ts).
 * - `Native`: fets' native addon (C++, built during `npm install`) runs the products (and the fused kernels it has)
 *   with the CPU's full vector width (AVX-512, AVX2+FMA, NEON) on a pool of threads, in place on the wasm heap; when
 *   the addon is unavailable this switch changes nothing and the WebAssembly kernels serve. It adds `FetsLinear` (a dense
 *   layer with its bias and GELU in the product's tiles), `FetsAttention` (inference attention per head block) and
 *   `FetsAttentionTrain` / `FetsAttentionTrainGrad` (training attention with its dropout, and its gradient).
 */
export const KERNEL_OVERRIDES = [
  'UnsortedSegmentSum',
  'BatchMatMulTranspose',
  'BatchMatMulBatched',
  'BatchMatMulOnes',
  'Gemm',
  'GemmFma',
  'Sum',
  'Identity',
  'Transpose',
  'GatherV2',
  'Dropout',
  'Gelu',
  'LayerNorm',
  'AdamW',
  'Conv',
  'Native',
] as const;
/** One of {@link KERNEL_OVERRIDES}. */
export type KernelOverride = (typeof KERNEL_OVERRIDES)[number];
/** On/off per replacement. */
export type KernelOverrideSettings = Record<KernelOverride, boolean>;

const state = Object.fromEntries(KERNEL_OVERRIDES.map((k) => [k, false])) as KernelOverrideSettings;

const batchMatMul = makeBatchMatMul(() => ({
  transpose: state.BatchMatMulTranspose,
  batched: state.BatchMatMulBatched,
  ones: state.BatchMatMulOnes,
  gemm: state.Gemm,
  fma: state.GemmFma,
  native: state.Native,
}));

setNativeSwitch(() => state.Native);

/** The native kernels are switched on and the addon is loaded. */
const nativeReady = (s: KernelOverrideSettings): boolean => s.Native && nativeAddon() !== undefined;

const fn = (f: unknown) => f as KernelFunc;

/** tfjs kernel name → which settings make fets register its own function for it. */
const KERNELS: { kernelName: string; func: KernelFunc; on: (s: KernelOverrideSettings) => boolean }[] = [
  { kernelName: 'UnsortedSegmentSum', func: fn(unsortedSegmentSum), on: (s) => s.UnsortedSegmentSum },
  {
    kernelName: 'BatchMatMul',
    func: fn(batchMatMul),
    on: (s) => s.BatchMatMulTranspose || s.BatchMatMulBatched || s.BatchMatMulOnes || s.Gemm || s.Native,
  },
  { kernelName: 'Sum', func: fn(columnSum), on: (s) => s.Sum },
  { kernelName: 'Identity', func: fn(identityShared), on: (s) => s.Identity },
  { kernelName: 'Transpose', func: fn(transposeFast), on: (s) => s.Transpose },
  { kernelName: 'GatherV2', func: fn(gatherRows), on: (s) => s.GatherV2 },
  { kernelName: DROPOUT_MASK_KERNEL, func: fn(dropoutMaskKernel), on: (s) => s.Dropout },
  { kernelName: GELU_KERNEL, func: fn(geluKernel), on: (s) => s.Gelu },
  { kernelName: LAYER_NORM_KERNEL, func: fn(layerNormKernel), on: (s) => s.LayerNorm },
  { kernelName: LAYER_NORM_GRAD_KERNEL, func: fn(layerNormGradKernel), on: (s) => s.LayerNorm },
  { kernelName: ADAMW_KERNEL, func: fn(adamwKernel), on: (s) => s.AdamW },
  { kernelName: 'Add', func: fn(nativeBinary('Add', 'add')), on: nativeReady },
  { kernelName: 'Multiply', func: fn(nativeBinary('Multiply', 'multiply')), on: nativeReady },
  { kernelName: 'Sub', func: fn(nativeBinary('Sub', 'subtract')), on: nativeReady },
  { kernelName: LINEAR_KERNEL, func: fn(linearKernel), on: nativeReady },
  { kernelName: ATTENTION_KERNEL, func: fn(attentionKernel), on: nativeReady },
  { kernelName: ATTENTION_TRAIN_KERNEL, func: fn(attentionTrainKernel), on: nativeReady },
  { kernelName: ATTENTION_TRAIN_GRAD_KERNEL, func: fn(attentionTrainGradKernel), on: nativeReady },
  { kernelName: INT8_LINEAR_KERNEL, func: fn(int8LinearKernel), on: nativeReady },
  { kernelName: ADD_LAYER_NORM_KERNEL, func: fn(addLayerNormKernel), on: (s) => s.LayerNorm && nativeReady(s) },
  { kernelName: 'Conv2DBackpropFilter', func: fn(conv2DBackpropFilter), on: (s) => s.Conv },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', func: fn(depthwiseBackpropFilter), on: (s) => s.Conv },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', func: fn(depthwiseBackpropInput), on: (s) => s.Conv },
  { kernelName: 'Conv2D', func: fn(conv2D), on: (s) => s.Conv && nativeReady(s) },
  { kernelName: 'MaxPoolGrad', func: fn(maxPoolGrad), on: (s) => s.Conv },
  { kernelName: 'Conv2DBackpropInput', func: fn(conv2DBackpropInput), on: (s) => s.Conv },
];

/** The kernels fets has registered in place of (or in addition to) the package's. */
const installed = new Set<string>();
/** Calls of each kernel through fets' registered function, since the process started. */
const calls = new Map<string, number>();

/** `func`, counting its calls under `kernelName` (one map update per kernel call). */
function counted(kernelName: string, func: KernelFunc): KernelFunc {
  return (args) => {
    calls.set(kernelName, (calls.get(kernelName) ?? 0) + 1);
    return func(args);
  };
}

function sync(): void {
  for (const { kernelName, func, on } of KERNELS) {
    const want = on(state);
    if (want === installed.has(kernelName)) continue;
    // The package's config is captured before it is first replaced; its setupFunc (cwrap of the C function) must
    // still run on backend initialisation, since the replacement calls it.
    const original = captureOriginal(kernelName);
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    if (want) {
      const config: KernelConfig = { kernelName, backendName: 'wasm', kernelFunc: counted(kernelName, func) };
      if (original?.setupFunc) config.setupFunc = original.setupFunc;
      tf.registerKernel(config);
      installed.add(kernelName);
    } else {
      if (original) tf.registerKernel(original);
      installed.delete(kernelName);
    }
  }
}

/**
 * Turns wasm kernel replacements on or off (`true`/`false` for all, or per name) and returns the new settings. Takes
 * effect for the next kernel call; the cpu and native backends are never affected.
 *
 * @example
 * setKernelOverrides({ Sum: false });      // keep the package's Sum
 * setKernelOverrides(false);               // the package's kernels only (UnsortedSegmentSum then throws on wasm)
 */
export function setKernelOverrides(settings: boolean | Partial<KernelOverrideSettings>): KernelOverrideSettings {
  const mismatch = wasmVersionMismatch();
  if (mismatch && (settings === true || (typeof settings === 'object' && Object.values(settings).some(Boolean)))) {
    throw new BackendError(`setKernelOverrides: ${mismatch}; install exactly ${WASM_PACKAGE_VERSION} or set FETS_KERNELS=off`);
  }
  if (typeof settings === 'boolean') {
    for (const k of KERNEL_OVERRIDES) state[k] = settings;
  } else {
    for (const [k, v] of Object.entries(settings)) {
      if (!(KERNEL_OVERRIDES as readonly string[]).includes(k)) {
        const near = nearestName(k, KERNEL_OVERRIDES);
        throw new BackendError(
          `setKernelOverrides: unknown kernel "${k}"${near ? `, did you mean "${near}"?` : ''} (valid: ${KERNEL_OVERRIDES.join(', ')})`,
        );
      }
      if (typeof v !== 'boolean') throw new BackendError(`setKernelOverrides: ${k}: expected a boolean, received ${String(v)}`);
      state[k as KernelOverride] = v;
    }
  }
  sync();
  return getKernelOverrides();
}

/**
 * The current on/off settings of the wasm kernel replacements.
 *
 * @example
 * getKernelOverrides().UnsortedSegmentSum; // true after initBackend()
 */
export function getKernelOverrides(): KernelOverrideSettings {
  return { ...state };
}

/**
 * Parses a `FETS_KERNELS` value: `on`/`all` (default), `off`/`none`, a list of names to turn on (`Sum,BatchMatMulTranspose`),
 * or a list of names to turn off, each prefixed with `-` (`-Sum,-BatchMatMulBatched`).
 *
 * @example
 * parseKernelSpec('-Sum'); // every replacement except Sum
 */
export function parseKernelSpec(spec: string | undefined): KernelOverrideSettings {
  const v = (spec ?? '').trim();
  const all = (on: boolean) => Object.fromEntries(KERNEL_OVERRIDES.map((k) => [k, on])) as KernelOverrideSettings;
  if (v === '' || ['on', 'all', '1', 'true'].includes(v.toLowerCase())) return all(true);
  if (['off', 'none', '0', 'false'].includes(v.toLowerCase())) return all(false);
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const negative = items.every((s) => s.startsWith('-'));
  if (!negative && items.some((s) => s.startsWith('-'))) {
    throw new BackendError(`FETS_KERNELS: list either names to turn on or "-name"s to turn off, not both; received "${v}"`);
  }
  const out = all(negative);
  for (const item of items) {
    const name = negative ? item.slice(1) : item;
    if (!(KERNEL_OVERRIDES as readonly string[]).includes(name)) {
      const near = nearestName(name, KERNEL_OVERRIDES);
      throw new BackendError(
        `FETS_KERNELS: unknown kernel "${name}"${near ? `, did you mean "${near}"?` : ''} (valid: ${KERNEL_OVERRIDES.join(', ')})`,
      );
    }
    out[name as KernelOverride] = !negative;
  }
  return out;
}

/**
 * Applies `FETS_KERNELS` (see {@link parseKernelSpec}); called by initBackend.
 *
 * @example
 * applyKernelOverridesFromEnv(); // FETS_KERNELS unset: every replacement on
 */
export function applyKernelOverridesFromEnv(): KernelOverrideSettings {
  return setKernelOverrides(parseKernelSpec(process.env.FETS_KERNELS));
}

/**
 * Whether the native addon serves the wasm kernels: the `Native` switch is on and the addon loaded.
 *
 * @example
 * if (nativeOn()) console.log(nativeStatus());
 */
export function nativeOn(): boolean {
  return nativeReady(state);
}

/**
 * Whether `tf.matMul(a, b, true, false)` is as fast as an explicit transpose plus a plain product on the current
 * backend: false only on wasm with both `Gemm` and `BatchMatMulTranspose` off (the package kernel then runs transposed
 * operands in a scalar loop). Layers that have the choice (BERT's dense gradient) ask this.
 *
 * @example
 * const dw = transposedMatMulIsFast() ? tf.matMul(dy, x, true, false) : tf.matMul(tf.transpose(dy), x);
 */
export function transposedMatMulIsFast(): boolean {
  return tf.getBackend() !== 'wasm' || state.Gemm || state.BatchMatMulTranspose || nativeOn();
}

/**
 * The tfjs kernel names fets has registered on wasm (its replacements and its own fused kernels), sorted.
 *
 * @example
 * installedKernels(); // ['BatchMatMul', 'FetsGelu', 'FetsLayerNorm', …] after setKernelOverrides(true)
 */
export function installedKernels(): string[] {
  return [...installed].sort();
}

/**
 * How many times each of fets' registered wasm kernels has run in this process (kernels never called are absent).
 *
 * @example
 * kernelCalls().FetsGelu; // 4 after one forward pass of a 4-layer BERT
 */
export function kernelCalls(): Record<string, number> {
  return Object.fromEntries([...calls].sort(([a], [b]) => a.localeCompare(b)));
}
