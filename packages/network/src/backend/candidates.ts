import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from './errors.js';
import { loadWasmBackend } from './wasm.js';
import { loadWebGpuBackend, type WebGpuAdapter } from './webgpu.js';
import { registerWebGpuKernels } from '../kernels/webgpu/register.js';

/**
 * The families of backends fets can run on. `tensorflow` is the native libtensorflow binding; `webgpu` is tfjs'
 * WebGPU backend (Dawn from the npm package `webgpu` under Node, the browser's elsewhere).
 */
export type BackendKind = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
/** The values `FETS_BACKEND` accepts. */
export const BACKEND_KINDS: readonly BackendKind[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/** What a candidate reports once its backend is current. */
export interface LoadedBackend {
  /** `tf.getBackend()` after loading: `tensorflow`, `wasm`, `cpu` (or a test's name). */
  name: string;
  kind: BackendKind;
  /** The npm package providing it. */
  package: string;
  /** wasm only: the SIMD build runs; null elsewhere. */
  simd: boolean | null;
  /** Threads the backend computes with (wasm: XNNPACK pool size; cpu: 1; native: logical cores). */
  threads: number;
  /** Extra remark for the log line (e.g. why the threaded wasm build was not used). */
  note?: string;
  /**
   * wasm only: fets' native kernels under the wasm backend: the microkernel variant and the pool's threads, or why
   * they are off (set by initBackend).
   */
  native?: { isa: string; threads: number } | { off: string };
  /** webgpu only: the adapter serving (vendor, architecture, description; software or not). */
  adapter?: WebGpuAdapter;
}

/** One backend to try: a name for messages, its kind (for `FETS_BACKEND`), and a loader that makes it current. */
export interface BackendCandidate {
  name: string;
  kind: BackendKind;
  /** Loads the backend and makes it current (`tf.setBackend`); throws when it is unavailable. */
  load: () => Promise<LoadedBackend>;
}

function nativeCandidate(name: string, pkg: string): BackendCandidate {
  return {
    name,
    kind: 'tensorflow',
    load: async () => {
      // A variable specifier: the package is optional and usually absent, so TypeScript must not resolve it.
      const specifier: string = pkg;
      await import(specifier);
      if (!(await tf.setBackend('tensorflow'))) throw new BackendError(`${pkg} loaded but its backend did not start`);
      return { name: tf.getBackend(), kind: 'tensorflow', package: pkg, simd: null, threads: os.cpus().length };
    },
  };
}

/** Options of {@link defaultCandidates}. */
export interface CandidateOptions {
  /** Threads for the wasm backend (1 = single-thread SIMD build). */
  wasmThreads: number;
  /** Accept a software WebGPU adapter (llvmpipe/lavapipe, SwiftShader): only when WebGPU is asked for by name. */
  webgpuSoftware?: boolean;
}

/** tfjs' WebGPU backend on a hardware adapter (or a software one when `allowSoftware`), with fets' WGSL kernels. */
function webgpuCandidate(allowSoftware: boolean): BackendCandidate {
  return {
    name: 'webgpu',
    kind: 'webgpu',
    load: async () => {
      const s = await loadWebGpuBackend({ allowSoftware, onReady: registerWebGpuKernels });
      return {
        name: tf.getBackend(),
        kind: 'webgpu',
        package: `@tensorflow/tfjs-backend-webgpu on ${s.provider}`,
        simd: null,
        threads: 1,
        adapter: s.adapter,
      };
    },
  };
}

/**
 * The standard order: native GPU (`@tensorflow/tfjs-node-gpu`) → WebGPU on a hardware adapter → native CPU
 * (`@tensorflow/tfjs-node`) → wasm → cpu. A software WebGPU adapter is tried only with `webgpuSoftware`.
 *
 * @example
 * const info = await selectBackend(defaultCandidates({ wasmThreads: 1 }));
 */
export function defaultCandidates(options: CandidateOptions): BackendCandidate[] {
  return [
    nativeCandidate('tensorflow-gpu', '@tensorflow/tfjs-node-gpu'),
    webgpuCandidate(options.webgpuSoftware ?? false),
    nativeCandidate('tensorflow', '@tensorflow/tfjs-node'),
    {
      name: 'wasm',
      kind: 'wasm',
      load: async () => {
        const s = await loadWasmBackend(options.wasmThreads);
        return {
          name: tf.getBackend(),
          kind: 'wasm',
          package: '@tensorflow/tfjs-backend-wasm',
          simd: s.simd,
          threads: s.threads,
          ...(s.threadedError === undefined ? {} : { note: `threaded build failed: ${s.threadedError}` }),
        };
      },
    },
    {
      name: 'cpu',
      kind: 'cpu',
      load: async () => {
        if (!(await tf.setBackend('cpu'))) throw new BackendError('the cpu backend did not start');
        return { name: tf.getBackend(), kind: 'cpu', package: '@tensorflow/tfjs-backend-cpu', simd: null, threads: 1 };
      },
    },
  ];
}
