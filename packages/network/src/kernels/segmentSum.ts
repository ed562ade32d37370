import type { TensorInfo } from '@tensorflow/tfjs';
import { release, reshapeInfo, runOriginal, type KernelArgs, type WasmBackend } from './wasmInternals.js';

/**
 * `UnsortedSegmentSum` for the wasm backend, which lacks it in tfjs 4.22 (it is the gradient of `tf.gather`, so
 * training an embedding table on wasm throws without it). Computed by the wasm ScatterNd kernel, which adds rows that
 * share an index. Ids outside [0, numSegments) are dropped, as in TensorFlow: they are redirected to one extra row
 * that is sliced off.
 *
 * In: inputs {x: [...idsShape, ...inner], segmentIds: int32 idsShape}, attrs {numSegments}.
 * Out: [numSegments, ...inner], x's dtype.
 */
export function unsortedSegmentSum(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x!;
  const segmentIds = args.inputs.segmentIds!;
  const numSegments = Number(args.attrs?.numSegments);
  const inner = x.shape.slice(segmentIds.shape.length);
  const innerSize = inner.reduce((p, d) => p * d, 1);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const n = ids.length;
  let valid = true;
  for (let i = 0; i < n; i++) {
    const v = ids[i]!;
    if (v < 0 || v >= numSegments) {
      valid = false;
      break;
    }
  }
  let indices: TensorInfo;
  if (valid && segmentIds.dtype === 'int32') {
    indices = reshapeInfo(backend, segmentIds, [n, 1]);
  } else {
    indices = backend.makeOutput([n, 1], 'int32');
    const dst = backend.typedArrayFromHeap(indices) as Int32Array;
    const src = backend.typedArrayFromHeap(segmentIds);
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      dst[i] = v >= 0 && v < numSegments ? v : numSegments;
    }
  }
  const rows = valid ? numSegments : numSegments + 1;
  const updates = reshapeInfo(backend, x, [n, innerSize]);
  const scattered =
    n === 0
      ? runOriginal('Fill', {}, { shape: [rows, innerSize], value: 0, dtype: x.dtype }, backend)
      : runOriginal('ScatterNd', { indices, updates }, { shape: [rows, innerSize] }, backend);
  release(backend, indices, updates);
  let out = scattered;
  if (!valid) {
    out = runOriginal('Slice', { x: scattered }, { begin: [0, 0], size: [numSegments, innerSize] }, backend);
    release(backend, scattered);
  }
  const shaped = reshapeInfo(backend, out, [numSegments, ...inner]);
  release(backend, out);
  return shaped;
}
