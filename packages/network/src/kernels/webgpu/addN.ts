import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { KernelArgs } from '../wasmInternals.js';

/** The backend fields read here: the device's limits, and freeing an intermediate. */
interface AddNBackend {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): boolean;
}

let packageAddN: KernelFunc | undefined;

/**
 * `AddN` on WebGPU in groups the device can bind. The package's kernel binds every input and the output as storage
 * buffers in one shader, and the device tfjs requests keeps WebGPU's default of 8 per stage: a sum of 8 or more
 * tensors (tfjs' gradient of a tensor used 8+ times, e.g. BERT's hidden state) failed validation and the sum was
 * garbage. Here at most (limit − 1) inputs go to each package call, tree-wise; intermediates are freed.
 */
export function addNWebGpu(args: KernelArgs): TensorInfo {
  const backend = args.backend as unknown as AddNBackend;
  const base = packageAddN!;
  const group = Math.max(2, (backend.device.limits.maxStorageBuffersPerShaderStage ?? 8) - 1);
  let level = Object.values(args.inputs) as TensorInfo[];
  const temps: TensorInfo[] = [];
  while (level.length > group) {
    const next: TensorInfo[] = [];
    for (let i = 0; i < level.length; i += group) {
      const chunk = level.slice(i, i + group);
      if (chunk.length === 1) {
        next.push(chunk[0]!);
        continue;
      }
      const sum = base({ ...args, inputs: chunk as never } as never) as TensorInfo;
      temps.push(sum);
      next.push(sum);
    }
    level = next;
  }
  const out = base({ ...args, inputs: level as never } as never) as TensorInfo;
  for (const t of temps) backend.disposeData(t.dataId);
  return out;
}

/** Replaces the package's webgpu `AddN` by {@link addNWebGpu} (once; the package's is kept and called). */
export function installAddN(): void {
  const current = tf.getKernel('AddN', 'webgpu');
  if (!current || current.kernelFunc === (addNWebGpu as unknown as KernelFunc)) return;
  packageAddN = current.kernelFunc;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...current, kernelFunc: addNWebGpu as unknown as KernelFunc });
}
