import * as tf from '@tensorflow/tfjs';
import { f32Of, type WasmBackend } from '../kernels/wasmInternals.js';
import type { World } from './world.js';

/** Bytes per fused buffer (Horovod's default fusion threshold): gradients are packed into buffers of at most this. */
export const DEFAULT_FUSION_BYTES = 64 * 1024 * 1024;

/**
 * Groups tensors, in order, into runs of at most `fusionBytes` float32 bytes (a larger tensor is a run of its own):
 * each run becomes one buffer and one collective.
 *
 * @example
 * fusionGroups([4, 4, 10], 32); // [[0, 1], [2]] (sizes in elements: 16 + 16 bytes, then 40)
 */
export function fusionGroups(sizes: readonly number[], fusionBytes: number = DEFAULT_FUSION_BYTES): number[][] {
  const groups: number[][] = [];
  let run: number[] = [];
  let bytes = 0;
  sizes.forEach((n, i) => {
    if (run.length > 0 && bytes + 4 * n > fusionBytes) {
      groups.push(run);
      run = [];
      bytes = 0;
    }
    run.push(i);
    bytes += 4 * n;
  });
  if (run.length > 0) groups.push(run);
  return groups;
}

/**
 * Runs `collective` on a float32 buffer holding `flat`'s values and returns the tensor that holds the result. On the
 * wasm backend the buffer is a Float32Array view of the tensor's own memory on the wasm heap (no copy: the binding
 * reduces it where it lies); elsewhere the values are read out, reduced and uploaded again.
 */
function onBuffer(flat: tf.Tensor, collective: (data: Float32Array) => void): tf.Tensor {
  if (tf.getBackend() === 'wasm') {
    collective(f32Of(tf.backend() as unknown as WasmBackend, flat));
    return flat;
  }
  const data = flat.dataSync() as Float32Array;
  const copy = data.slice();
  collective(copy);
  flat.dispose();
  return tf.tensor1d(copy);
}

/**
 * The mean over the ranks of each tensor of `tensors` (gradients), computed in fused buffers: the tensors of each
 * {@link fusionGroups} run are concatenated into one float32 buffer, reduced by one allreduce, scaled by 1/size and
 * cut back. Returns new tensors (null stays null); the inputs are not disposed. In one process it returns copies.
 *
 * @example
 * const mean = allreduceMean(getWorld(), grads); // every rank receives the same tensors
 */
export function allreduceMean(
  world: World,
  tensors: readonly (tf.Tensor | null)[],
  fusionBytes = DEFAULT_FUSION_BYTES,
): (tf.Tensor | null)[] {
  return fusedCollective(tensors, fusionBytes, (data) => world.allreduce(data, 'sum'), 1 / world.size);
}

/**
 * Rank `root`'s values of `tensors` (same shapes on every rank), moved in fused buffers by broadcast. Returns new
 * tensors; the inputs are not disposed.
 *
 * @example
 * const [w] = broadcastTensors(getWorld(), [weight]);
 */
export function broadcastTensors(world: World, tensors: readonly tf.Tensor[], root = 0, fusionBytes = DEFAULT_FUSION_BYTES): tf.Tensor[] {
  return fusedCollective(tensors, fusionBytes, (data) => world.broadcast(data, root), 1) as tf.Tensor[];
}

function fusedCollective(
  tensors: readonly (tf.Tensor | null)[],
  fusionBytes: number,
  collective: (data: Float32Array) => void,
  scale: number,
): (tf.Tensor | null)[] {
  const present = tensors.flatMap((t, i) => (t ? [i] : []));
  const out: (tf.Tensor | null)[] = tensors.map(() => null);
  const sizes = present.map((i) => tensors[i]!.size);
  for (const group of fusionGroups(sizes, fusionBytes)) {
    const members = group.map((g) => present[g]!);
    const flat = tf.tidy(() => {
      const parts = members.map((i) => tf.reshape(tf.cast(tensors[i]!, 'float32'), [-1]));
      return parts.length === 1 ? tf.clone(parts[0]!) : tf.concat(parts);
    });
    const reduced = onBuffer(flat, collective);
    const pieces = tf.tidy(() => {
      const scaled = scale === 1 ? reduced : tf.mul(reduced, scale);
      const split =
        members.length === 1
          ? [scaled]
          : tf.split(
              scaled,
              members.map((i) => tensors[i]!.size),
            );
      return split.map((p, k) => tf.reshape(p, tensors[members[k]!]!.shape));
    });
    reduced.dispose();
    members.forEach((i, k) => (out[i] = pieces[k]!));
  }
  return out;
}
