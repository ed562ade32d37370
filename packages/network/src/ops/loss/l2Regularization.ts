import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, OpError, opOptionsSchema, parseOptions, type OpOptions } from '@fets/pipeline';
import { isLayersModel, isModel, trainableVariables, type Model } from '../../model.js';
import { TensorOp } from '../tensorOp.js';

const l2Schema = opOptionsSchema
  .extend({
    model: z.custom<Model>((v) => isModel(v), 'expected a tf.LayersModel or a FunctionModel'),
    beta: z.number().min(0).default(0.01),
  })
  .strict();

/** Options of {@link L2Regularization}. */
export interface L2RegularizationOptions extends OpOptions {
  /** The loss key to add to (one input). */
  inputs: string;
  /** Where the regularised loss goes (one output; may equal the input). */
  outputs: string;
  /** The model whose kernel weights are penalised. */
  model: Model;
  /** Penalty factor (default 0.01). */
  beta?: number;
}

/**
 * Adds β·Σw² over the model's kernel weights to a loss (FastEstimator's `L2Regularizaton`). Kernel weights: trainable
 * variables whose name contains "kernel" for a `tf.LayersModel` (Dense/Conv kernels, not biases or norms), and trainable
 * variables of rank ≥ 2 for a `FunctionModel` (weight matrices and embeddings, not biases or layer norms).
 *
 * @example
 * new L2Regularization({ inputs: 'ce', outputs: 'loss', model, beta: 1e-4 });
 */
export class L2Regularization extends TensorOp {
  readonly model: Model;
  readonly beta: number;

  constructor(options: L2RegularizationOptions) {
    const o = parseOptions('L2Regularization', l2Schema, options);
    super(o);
    this.model = o.model;
    this.beta = o.beta;
    if (this.inputs.length !== 1 || this.outputs.length !== 1) {
      throw new ConfigError('L2Regularization', [], `L2Regularization: expected one input (the loss) and one output, received inputs [${this.inputs}] outputs [${this.outputs}]`);
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
