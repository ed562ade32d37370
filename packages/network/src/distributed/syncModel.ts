import * as tf from '@tensorflow/tfjs';
import { namedVariables, type Model } from '../model.js';
import { DistributedMismatchError } from './errors.js';
import { broadcastTensors } from './fusion.js';
import type { World } from './world.js';

const synced = new WeakMap<Model, World>();

/**
 * Gives every rank rank 0's values of every variable of `model` (trainable or not), in fused broadcasts, after
 * checking that all ranks hold the same variables (names and shapes): a mismatch is a {@link DistributedMismatchError}
 * naming the first difference. Does nothing in a world of one.
 *
 * @example
 * broadcastModel(getWorld(), model); // before the first training step
 */
export function broadcastModel(world: World, model: Model): void {
  if (world.size === 1) return;
  const vars = [...namedVariables(model).entries()].filter(([, v]) => v.dtype === 'float32');
  const signature = vars.map(([name, v]) => `${name}[${v.shape.join(',')}]`);
  const all = world.allgatherJson(signature);
  for (let r = 1; r < all.length; r++) {
    const other = all[r]!;
    if (other.length !== signature.length || other.some((s, i) => s !== all[0]![i])) {
      const at = other.findIndex((s, i) => s !== all[0]![i]);
      throw new DistributedMismatchError(
        `broadcastModel: model "${model.name}": rank ${r} has ${other.length} variables, rank 0 has ${all[0]!.length}` +
          (at >= 0
            ? `; the first difference is variable ${at}: rank 0 "${all[0]![at] ?? '(none)'}", rank ${r} "${other[at] ?? '(none)'}"`
            : ''),
      );
    }
  }
  const values = broadcastTensors(
    world,
    vars.map(([, v]) => v),
  );
  vars.forEach(([, v], i) => v.assign(values[i]!));
  tf.dispose(values);
  synced.set(model, world);
}

/**
 * {@link broadcastModel} once per model and world: the Network calls it before a model's first training step, so
 * rank 0's initial (or restored) weights are every rank's.
 */
export function ensureModelSynced(world: World, model: Model): void {
  if (world.size === 1 || synced.get(model) === world) return;
  broadcastModel(world, model);
}

/** Forgets that `model` was synchronised (after its weights were reloaded: the next training step broadcasts again). */
export function markModelUnsynced(model: Model): void {
  synced.delete(model);
}
