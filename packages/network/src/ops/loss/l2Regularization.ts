import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, OpError, opOptionsSchema } from '@fets/pipeline';
import { isLayersModel, isModel, trainableVariables, type Model } from '../../model.js';
import { TensorOp } from '../tensorOp.js';

/** Options of {@link L2Regularization}. */
export const l2RegularizationOptions = opOptionsSchema.extend({
  /** The model whose kernel weights are penalised. */
  model: z.custom<Model>((v) => isModel(v), 'expected a tf.LayersModel or a FunctionModel'),
  /** Penalty factor (default 0.01). */
  beta: z.number().min(0).default(0.01),
});

/** Options of {@link L2Regularization} (see {@link l2RegularizationOptions}). */
export type L2RegularizationOptions = z.input<typeof l2RegularizationOptions>;

/**
 * Adds β·Σw² over the model's kernel weights to a loss (FastEstimator's `L2Regularizaton`). Kernel weights: trainable
 * variables whose name contains "kernel" for a `tf.LayersModel` (Dense/Conv kernels, not biases or norms), and trainable
 * variables of rank ≥ 2 for a `FunctionModel` (weight matrices and embeddings, not biases or layer norms).
 *
 * @example
 * new L2Regularization({ inputs: 'ce', outputs: 'loss', model, beta: 1e-4 });
 */
export class L2Regularization<const O extends L2RegularizationOptions = L2RegularizationOptions> extends TensorOp<
  typeof l2RegularizationOptions,
  O
> {
  readonly model: Model;
  readonly beta: number;

  constructor(options: O) {
    super(options, l2RegularizationOptions);
    const o = this.options;
    this.model = o.model;
    this.beta = o.beta;
    if (this.inputs.length !== 1 || this.outputs.length !== 1) {
      throw new ConfigError(
        'L2Regularization',
        [],
        `L2Regularization: expected one input (the loss) and one output, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
  }

  /** The variables penalised. */
  kernels(): tf.Variable[] {
    const vars = trainableVariables(this.model);
    return isLayersModel(this.model) ? vars.filter((v) => v.name.includes('kernel')) : vars.filter((v) => v.rank >= 2);
  }

  override forward(loss: tf.Tensor): tf.Tensor {
    if (!(loss instanceof tf.Tensor)) {
      throw new OpError(this.name, this.inputs[0], `expected a loss tensor, received ${loss === undefined ? 'undefined' : typeof loss}`);
    }
    const ks = this.kernels();
    if (ks.length === 0 || this.beta === 0) return tf.add(loss, 0);
    const penalty = tf.addN(ks.map((k) => tf.sum(tf.square(k))));
    return tf.add(loss, tf.mul(penalty, this.beta));
  }
}
