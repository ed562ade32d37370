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
 * A float32 tensor's values without a copy where possible: on the wasm backend a Float32Array view of its memory on
 * the wasm heap (valid until the next allocation), elsewhere its data read out.
 */
function floatsOf(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm' && t.dtype === 'float32') return f32Of(tf.backend() as unknown as WasmBackend, t);
  return Float32Array.from(t.dataSync() as ArrayLike<number>);
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
    // Horovod's fusion buffer: the group's values copied in (straight from the wasm heap), one collective in place,
    // scaled, then each tensor made from its slice (one copy back onto the heap). tfjs' concat and split cost far
    // more on the wasm backend (split re-reads the whole buffer for every piece).
    const buffer = new Float32Array(members.reduce((n, i) => n + tensors[i]!.size, 0));
    let at = 0;
    for (const i of members) {
      buffer.set(floatsOf(tensors[i]!), at);
      at += tensors[i]!.size;
    }
    collective(buffer);
    if (scale !== 1) for (let k = 0; k < buffer.length; k++) buffer[k]! *= scale;
    at = 0;
    for (const i of members) {
      const t = tensors[i]!;
      out[i] = tf.tensor(buffer.subarray(at, at + t.size), t.shape, 'float32');
      at += t.size;
    }
  }
  return out;
}
