import * as tf from '@tensorflow/tfjs';
import { LossOp, lossOptionsSchema, meanLastAxis, type LossOptions } from './lossOp.js';

/** Options of {@link MeanSquaredError}: those of every loss ({@link lossOptionsSchema}). */
export type MeanSquaredErrorOptions = LossOptions;

/**
 * Mean squared error (FastEstimator's `MeanSquaredError`, Keras' MSE): per sample the mean of (yPred − yTrue)² over
 * the last axis, then the batch mean when `averageLoss`. `[B]` and `[B, 1]` are interchangeable.
 *
 * @example
 * new MeanSquaredError({ inputs: ['yPred', 'y'], outputs: 'mse' });
 */
export class MeanSquaredError<const O extends MeanSquaredErrorOptions = MeanSquaredErrorOptions> extends LossOp<
  typeof lossOptionsSchema,
  O
> {
  constructor(options: O) {
    super(options, lossOptionsSchema);
  }

  override forward(data: tf.Tensor[]): tf.Tensor {
    const [yPred, yTrueIn] = data as [tf.Tensor, tf.Tensor];
    this.checkTensors(yPred, yTrueIn);
    const yTrue = tf.cast(this.alignSameShape(yPred, yTrueIn), 'float32');
    return this.reduce(meanLastAxis(tf.squaredDifference(yPred, yTrue)));
  }
}
