import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { WasmMemory } from './assembler.js';
import { BackendError } from '../backend/errors.js';

/** The tfjs-backend-wasm version whose private fields this file reads (package.json pins it exactly). */
export const WASM_PACKAGE_VERSION = '4.22.0';

/**
 * Why fets' kernel replacements cannot run on the installed wasm package (its version is not the one this file was
 * written against), or undefined when they can.
 *
 * @example
 * wasmVersionMismatch(); // undefined with @tensorflow/tfjs-backend-wasm 4.22.0
 */
export function wasmVersionMismatch(installed: string = tfwasm.version_wasm): string | undefined {
  return installed === WASM_PACKAGE_VERSION
    ? undefined
    : `@tensorflow/tfjs-backend-wasm is ${installed}, but fets' kernel replacements read private fields of ${WASM_PACKAGE_VERSION}`;
}

/**
 * The parts of tfjs-backend-wasm 4.22's `BackendWasm` and its Emscripten module that the kernel replacements use.
 * They are not in the package's public types; this file is the only place that relies on them.
 */
export interface WasmModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: unknown[]) => unknown;
  HEAPU8: Uint8Array;
  /** The instance's exports; `memory` is the heap as a WebAssembly.Memory (the single-thread builds export it). */
  asm?: { memory?: WasmMemory };
  /** The heap as a WebAssembly.Memory in the multi-threaded build, which creates it (shared) and imports it. */
  wasmMemory?: WasmMemory;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
}

/** Bookkeeping the wasm backend keeps per tensor. */
export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: tf.DataType;
  refCount: number;
}

/** A `BackendWasm` as seen by kernel functions. */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdNextNumber: number;
  dataIdMap: {
    get(dataId: unknown): WasmTensorData;
    set(dataId: unknown, data: WasmTensorData): void;
    delete(dataId: unknown): boolean;
  };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  disposeData(dataId: unknown, force?: boolean): boolean;
  incRef(dataId: unknown): void;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** A kernel function's arguments. */
export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/** The original (package) wasm kernels, captured before any replacement is registered. */
const originals = new Map<string, KernelConfig | undefined>();

/**
 * Records the package's own config of `kernelName` for wasm and returns it (undefined when it has none). Only the
 * first call looks at the registry, so it must happen before fets registers a replacement under that name.
 */
export function captureOriginal(kernelName: string): KernelConfig | undefined {
  if (!originals.has(kernelName)) originals.set(kernelName, tf.getKernel(kernelName, 'wasm'));
  return originals.get(kernelName);
}

/**
 * Runs the package's own wasm kernel `name` (never a replacement) on `backend`.
 *
 * @example
 * const t = runOriginal('Transpose', { x }, { perm: [1, 0] }, backend);
 */
export function runOriginal(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap, backend: unknown): TensorInfo {
  const k = captureOriginal(name);
  if (!k) throw new BackendError(`wasm backend has no kernel ${name}`);
  return k.kernelFunc({ inputs, attrs, backend: backend as never }) as TensorInfo;
}

/** Frees intermediate results of {@link runOriginal}. */
export function release(backend: WasmBackend, ...infos: (TensorInfo | undefined)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

/** A reshape that shares memory (the wasm Reshape kernel only bumps the reference count). */
export function reshapeInfo(backend: WasmBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return runOriginal('Reshape', { x }, { shape }, backend);
}

/**
 * Swaps the last two axes (a real copy) through the registered wasm Transpose kernel (fets's replacement when it is
 * on). With `consume`, `x` is released afterwards (for a temporary view made by {@link reshapeInfo}).
 */
export function transposeLast2(backend: WasmBackend, x: TensorInfo, consume = false): TensorInfo {
  const r = x.shape.length;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  const k = tf.getKernel('Transpose', 'wasm') ?? captureOriginal('Transpose');
  if (!k) throw new BackendError('wasm backend has no kernel Transpose');
  const out = k.kernelFunc({ inputs: { x }, attrs: { perm }, backend: backend as never }) as TensorInfo;
  if (consume) backend.disposeData(x.dataId);
  return out;
}

const batchMatMulFns = new WeakMap<WasmModule, (...args: unknown[]) => unknown>();

/** The C `BatchMatMul` entry point (XNNPACK when both batch sizes are 1 and nothing is transposed). */
function cBatchMatMul(backend: WasmBackend): (...args: unknown[]) => unknown {
  let fn = batchMatMulFns.get(backend.wasm);
  if (!fn) {
    fn = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
    batchMatMulFns.set(backend.wasm, fn);
  }
  return fn;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * `out[i] = a[i] @ b[i]` for `batch` contiguous [m,k]@[k,n] products, each run through XNNPACK on views of the
 * operands' memory (a tensor id registered at an offset, no copy). `aStep`/`bStep` are 0 for a broadcast operand.
 * The output (`[batch, m, n]` elements, float32) is written into `out`.
 */
export function xnnBatchedProducts(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  out: TensorInfo,
  dims: { batch: number; m: number; k: number; n: number; aStep: number; bStep: number },
): void {
  const { batch, m, k, n, aStep, bStep } = dims;
  const fn = cBatchMatMul(backend);
  const aOff = backend.dataIdMap.get(a.dataId).memoryOffset;
  const bOff = backend.dataIdMap.get(b.dataId).memoryOffset;
  const oOff = backend.dataIdMap.get(out.dataId).memoryOffset;
  const aShape = shapeBytes([1, m, k]);
  const bShape = shapeBytes([1, k, n]);
  const reg = backend.wasm.tfjs;
  let bId = -1;
  for (let i = 0; i < batch; i++) {
    const aId = backend.dataIdNextNumber++;
    const oId = backend.dataIdNextNumber++;
    reg.registerTensor(aId, m * k, aOff + 4 * i * aStep * m * k);
    reg.registerTensor(oId, m * n, oOff + 4 * i * m * n);
    // A broadcast b keeps one id, so XNNPACK packs its weights once (its operator cache is keyed by tensor id).
    if (bId < 0 || bStep !== 0) {
      if (bId >= 0) reg.disposeData(bId);
      bId = backend.dataIdNextNumber++;
      reg.registerTensor(bId, k * n, bOff + 4 * i * bStep * k * n);
    }
    fn(aId, aShape, 3, bId, bShape, 3, 0, 0, oId);
    reg.disposeData(aId);
    reg.disposeData(oId);
  }
  if (bId >= 0) reg.disposeData(bId);
}

/**
 * A float32 tensor over `shape` elements of `base`'s memory starting at element `offset` (no copy), usable as a
 * kernel input. Release it with {@link releaseView} (which never frees the memory).
 */
export function viewOf(backend: WasmBackend, base: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const memoryOffset = backend.dataIdMap.get(base.dataId).memoryOffset + 4 * offset;
  const id = backend.dataIdNextNumber++;
  const dataId = { id };
  backend.dataIdMap.set(dataId, { id, memoryOffset, shape, dtype: 'float32', refCount: 1 });
  backend.wasm.tfjs.registerTensor(
    id,
    shape.reduce((p, d) => p * d, 1),
    memoryOffset,
  );
  return { dataId, shape, dtype: 'float32' };
}

/** Forgets a {@link viewOf} view (its memory belongs to the base tensor). */
export function releaseView(backend: WasmBackend, view: TensorInfo): void {
  const data = backend.dataIdMap.get(view.dataId);
  backend.wasm.tfjs.disposeData(data.id);
  backend.dataIdMap.delete(view.dataId);
}

/** A Float32Array over a tensor's memory (valid until the next allocation may grow the heap). */
export function f32Of(backend: WasmBackend, t: TensorInfo, offset = 0, length?: number): Float32Array {
  const base = backend.dataIdMap.get(t.dataId).memoryOffset + 4 * offset;
  const n = length ?? t.shape.reduce((p, d) => p * d, 1) - offset;
  return new Float32Array(backend.wasm.HEAPU8.buffer, base, n);
}

/** The output tensor info sharing `x`'s memory under a new shape (no copy; the reference count is raised). */
export function shareInfo(backend: WasmBackend, x: TensorInfo, shape: number[]): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/**
 * The backend's heap as a `WebAssembly.Memory`, for the loops fets assembles at run time (undefined if this build
 * hides it): exported by the single-thread builds, created by the JS glue of the threaded one (a shared memory).
 */
export function memoryOf(backend: WasmBackend): WasmMemory | undefined {
  return backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
}

/** Byte offset of a tensor's data on the wasm heap. */
export function offsetOf(backend: WasmBackend, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}
