/**
 * `@fets/network/kernels`: fets' kernel layer under the wasm backend, for benchmarks, tests and kernel work. Users
 * need only the switches re-exported by `@fets/network` (`setKernelOverrides`, `nativeStatus`, `setNativeThreads`).
 */

// Profiling: kernel times of a span (the Profiler trace and `npm run bench -- profile` use it)
export { formatStepProfile, KernelTimer, ProfileError, profileKernelTimes } from './profile.js';
export type { KernelTimerOptions, StepProfile, StepProfileRow } from './profile.js';

// Fused kernels (names registered on wasm, the loops behind them)
export { ADAMW_KERNEL, adamwStep } from './adamw.js';
export type { AdamWStepScalars } from './adamw.js';
export { DROPOUT_MASK_KERNEL, dropoutSeeded, fillDropoutMask } from './dropout.js';
export { ALEA_MULTIPLIER, aleaChunkStarts, aleaSeed } from './alea.js';
export type { AleaState } from './alea.js';
export { GELU_KERNEL, geluErf, geluInto } from './gelu.js';
export { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNormLastAxis } from './layerNorm.js';
export { ADD_LAYER_NORM_KERNEL, addLayerNorm } from './addLayerNorm.js';
export { simplifyPermutation } from './layout.js';
export { setSimdLoops } from './assembler.js';

// fets' WebAssembly kernels for hosts without the native addon (a web page); also in @fets/network/browser
export { formatWasmKernelStatus, registerWasmKernels, wasmKernelOptionsSchema, wasmKernelStatus } from './wasmKernels.js';
export type { WasmKernelOptions, WasmKernelStatus } from './wasmKernels.js';
export { wasmGemmCalls } from './gemm.js';

// WGSL kernels for tfjs' webgpu backend (registered by initBackend when WebGPU serves; the web page calls it itself)
export { registerWebGpuKernels, WEBGPU_KERNELS } from './webgpu/register.js';

// Native addon
export { loadNativeAddon, nativeDir } from './native/addon.js';
export { nativeAddon } from './native/slot.js';
export { LINEAR_KERNEL, linearFused } from './native/linear.js';
export { ATTENTION_KERNEL, attentionFused } from './native/attention.js';
export { ATTENTION_TRAIN_GRAD_KERNEL, ATTENTION_TRAIN_KERNEL, attentionTrainFused } from './native/attentionTrain.js';
export type { NativeAddon, NativeLoad } from './native/addon.js';
export type {
  AdamWArgs,
  AttentionArgs,
  BinaryArgs,
  BinaryOp,
  BinaryRowsArgs,
  Col2imArgs,
  ConvGeometry,
  DropoutMaskArgs,
  GeluArgs,
  GemmArgs,
  Im2colArgs,
  LayerNormArgs,
  LayerNormGradArgs,
  MaxPoolGradArgs,
} from './native/calls.js';

// Switches
export {
  applyKernelOverridesFromEnv,
  getKernelOverrides,
  installedKernels,
  KERNEL_OVERRIDES,
  kernelCalls,
  nativeOn,
  parseKernelSpec,
  setKernelOverrides,
  transposedMatMulIsFast,
} from './registry.js';
export type { KernelOverride, KernelOverrideSettings } from './registry.js';

// The wasm package this layer reads
export { WASM_PACKAGE_VERSION, wasmVersionMismatch } from './wasmInternals.js';
