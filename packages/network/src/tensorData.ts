import * as tf from '@tensorflow/tfjs';
import { NDArray, ShapeError, type DType } from '@fets/pipeline';

/**
 * An `NDArray` from the Pipeline as a tensor (one copy into the backend); other values are returned unchanged
 * (strings, lists, tensors). String NDArrays stay NDArrays.
 *
 * @example
 * toTensor(NDArray.from([[1, 2]], 'int32')); // int32 tensor [1, 2]
 */
export function toTensor(value: unknown): unknown {
  if (value instanceof NDArray && value.dtype !== 'string') {
    return tf.tensor(value.data as Float32Array | Int32Array | Uint8Array, [...value.shape], value.dtype);
  }
  return value;
}

/**
 * A tensor's values as an `NDArray` (same shape and dtype; reads the backend synchronously).
 *
 * @example
 * toNDArray(tf.tensor([[1, 2]])).shape; // [1, 2]
 */
export function toNDArray(t: tf.Tensor): NDArray {
  const dtype = t.dtype as string;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool' && dtype !== 'string') {
    throw new ShapeError(
      'toNDArray',
      'a float32, int32 or bool tensor',
      `a ${dtype} tensor`,
      `cannot convert a ${dtype} tensor of shape [${t.shape}] to an NDArray`,
    );
  }
  const data = t.dataSync() as unknown as Float32Array | Int32Array | Uint8Array | string[];
  return new NDArray(dtype === 'string' ? Array.from(data as string[]) : data, [...t.shape], dtype as DType);
}

/**
 * {@link toNDArray} with an asynchronous read: the only kind a GPU backend under Node offers (tfjs-backend-webgpu's
 * synchronous read needs OffscreenCanvas, which Node lacks), and on any GPU it does not stall the queue.
 *
 * @example
 * (await toNDArrayAsync(tf.tensor([[1, 2]]))).shape; // [1, 2]
 */
export async function toNDArrayAsync(t: tf.Tensor): Promise<NDArray> {
  const dtype = t.dtype as string;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool' && dtype !== 'string') return toNDArray(t);
  const data = (await t.data()) as unknown as Float32Array | Int32Array | Uint8Array | string[];
  return new NDArray(dtype === 'string' ? Array.from(data as string[]) : data, [...t.shape], dtype as DType);
}

/** Every distinct tensor among the values of a data dict (top level and inside arrays). */
export function tensorsIn(values: Iterable<unknown>): Set<tf.Tensor> {
  const out = new Set<tf.Tensor>();
  const visit = (v: unknown) => {
    if (v instanceof tf.Tensor) out.add(v);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  for (const v of values) visit(v);
  return out;
}
