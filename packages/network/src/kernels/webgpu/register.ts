import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from '@tensorflow/tfjs';
import { ADAMW_KERNEL } from '../adamw.js';
import { DROPOUT_MASK_KERNEL } from '../dropout.js';
import { GELU_KERNEL } from '../gelu.js';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../layerNorm.js';
import { adamwWebGpu } from './adamw.js';
import { installAddN } from './addN.js';
import { dropoutMaskWebGpu } from './dropout.js';
import { geluWebGpu } from './gelu.js';
import { layerNormGradWebGpu, layerNormWebGpu } from './layerNorm.js';

/**
 * fets' own kernels (custom names the wasm layer registers) as WGSL programs for tfjs' webgpu backend. Every other
 * kernel fets trains with (GatherV2, UnsortedSegmentSum, BatchMatMul, Conv2D and its gradients, MaxPool/MaxPoolGrad,
 * FusedBatchNorm, Softmax, Erf, …) is the package's own webgpu kernel.
 */
export const WEBGPU_KERNELS: readonly { kernelName: string; kernelFunc: KernelFunc }[] = [
  { kernelName: GELU_KERNEL, kernelFunc: geluWebGpu as unknown as KernelFunc },
  { kernelName: LAYER_NORM_KERNEL, kernelFunc: layerNormWebGpu as unknown as KernelFunc },
  { kernelName: LAYER_NORM_GRAD_KERNEL, kernelFunc: layerNormGradWebGpu as unknown as KernelFunc },
  { kernelName: ADAMW_KERNEL, kernelFunc: adamwWebGpu as unknown as KernelFunc },
  { kernelName: DROPOUT_MASK_KERNEL, kernelFunc: dropoutMaskWebGpu as unknown as KernelFunc },
];

/**
 * Registers {@link WEBGPU_KERNELS} for the `webgpu` backend and fets' grouped `AddN` over the package's (see addN.ts)
 * (idempotent). Called when the backend starts.
 *
 * @example
 * registerWebGpuKernels(); tf.getKernel('FetsGelu', 'webgpu'); // defined
 */
export function registerWebGpuKernels(): void {
  installAddN();
  for (const k of WEBGPU_KERNELS) {
    if (!tf.getKernel(k.kernelName, 'webgpu'))
      tf.registerKernel({ kernelName: k.kernelName, backendName: 'webgpu', kernelFunc: k.kernelFunc });
  }
}
