import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { OpError, opOptionsSchema } from '@fets/pipeline';
import { TensorOp } from '../../tensorOp.js';
import type { StepState } from '../../../stepState.js';
import { betaSample } from './beta.js';

/** Options of {@link MixUpBatch}. */
export const mixUpOptions = opOptionsSchema.extend({
  /** Beta(α, α) of the mixing weight λ (default 1: uniform). */
  alpha: z.number().positive().default(1),
  /** Modes it runs in (default train only). */
  mode: opOptionsSchema.shape.mode.default('train'),
});

/** Options of {@link MixUpBatch} (see {@link mixUpOptions}). */
export type MixUpOptions = z.input<typeof mixUpOptions>;

/**
 * MixUp on a batch (FastEstimator's MixUpBatch, Zhang et al. 2018): λ ~ Beta(α, α) once per batch from the step's
 * seeded stream; every input (images, then one-hot labels) becomes λ·x + (1 − λ)·roll(x), the batch paired with itself
 * shifted by one. Inputs and outputs pair up; labels must be one-hot (Onehot) or probabilities.
 *
 * @example
 * new MixUpBatch({ inputs: ['x', 'y'], outputs: ['x', 'y'], alpha: 1 });
 */
export class MixUpBatch<const O extends MixUpOptions = MixUpOptions> extends TensorOp<typeof mixUpOptions, O> {
  constructor(options: O) {
    super(options, mixUpOptions);
    if (this.inputs.length !== this.outputs.length) {
      throw new OpError(this.name, undefined, `expected one output per input, received inputs [${this.inputs}] outputs [${this.outputs}]`);
    }
  }

  override forward(data: tf.Tensor | tf.Tensor[], state: StepState): tf.Tensor | tf.Tensor[] {
    const xs = Array.isArray(data) ? data : [data];
    const lam = betaSample(this.options.alpha, this.options.alpha, state.random);
    const out = xs.map((x) => {
      const rolled = tf.concat([tf.slice(x, [x.shape[0]! - 1], [1]), tf.slice(x, [0], [x.shape[0]! - 1])], 0);
      return tf.add(tf.mul(tf.cast(x, 'float32'), lam), tf.mul(tf.cast(rolled, 'float32'), 1 - lam));
    });
    return out.length === 1 ? out[0]! : out;
  }
}
