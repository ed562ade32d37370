import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { LossOp, lossOptionsSchema } from './lossOp.js';

const EPS = 1e-7;

/** Options of {@link FocalLoss}. */
export const focalLossOptions = lossOptionsSchema.extend({
  /** Focusing exponent γ (default 2; 0 gives plain binary cross entropy). */
  gamma: z.number().min(0).default(2),
  /** Weight α of positives (1 − α for negatives); `null` for no weighting. Default 0.25. */
  alpha: z.number().min(0).max(1).nullable().default(0.25),
  /** Whether `yPred` holds logits. Default false (probabilities). */
  fromLogits: z.boolean().default(false),
  /** How each sample's elements are combined: `'sum'` (default, as FastEstimator) or `'mean'`. */
  shapeReduction: z.enum(['sum', 'mean']).default('sum'),
});

/** Options of {@link FocalLoss} (see {@link focalLossOptions}). */
export type FocalLossOptions = z.input<typeof focalLossOptions>;

/**
 * Binary focal loss (Lin et al., RetinaNet; FastEstimator's `FocalLoss`): element-wise
 * −α_t·(1 − p_t)^γ·log(p_t) with p_t = p when y = 1 else 1 − p, α_t = α when y = 1 else 1 − α; summed (or averaged)
 * over each sample's non-batch axes, then the batch mean when `averageLoss`.
 *
 * @example
 * new FocalLoss({ inputs: ['yPred', 'y'], outputs: 'loss', gamma: 2, alpha: 0.25 }); // [B, K] multi-label
 */
export class FocalLoss<const O extends FocalLossOptions = FocalLossOptions> extends LossOp<typeof focalLossOptions, O> {
  readonly gamma: number;
  readonly alpha: number | null;
  readonly fromLogits: boolean;
  readonly shapeReduction: 'sum' | 'mean';

  constructor(options: O) {
    super(options, focalLossOptions);
    const o = this.options;
    this.gamma = o.gamma;
    this.alpha = o.alpha;
    this.fromLogits = o.fromLogits;
    this.shapeReduction = o.shapeReduction;
  }

  override forward(data: tf.Tensor[]): tf.Tensor {
    const [yPred, yTrueIn] = data as [tf.Tensor, tf.Tensor];
    this.checkTensors(yPred, yTrueIn);
    const t = tf.cast(this.alignSameShape(yPred, yTrueIn), 'float32');
    let ce: tf.Tensor;
    let p: tf.Tensor;
    if (this.fromLogits) {
      ce = tf.add(tf.sub(tf.relu(yPred), tf.mul(yPred, t)), tf.log1p(tf.exp(tf.neg(tf.abs(yPred)))));
      p = tf.sigmoid(yPred);
    } else {
      p = tf.clipByValue(yPred, EPS, 1 - EPS);
      ce = tf.neg(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))));
    }
    const pt = tf.add(tf.mul(p, t), tf.mul(tf.sub(1, p), tf.sub(1, t)));
    let elem = tf.mul(tf.pow(tf.sub(1, pt), this.gamma), ce);
    if (this.alpha !== null) elem = tf.mul(tf.add(tf.mul(t, this.alpha), tf.mul(tf.sub(1, t), 1 - this.alpha)), elem);
    const axes = Array.from({ length: elem.rank - 1 }, (_, i) => i + 1);
    const perSample = axes.length === 0 ? elem : this.shapeReduction === 'sum' ? tf.sum(elem, axes) : tf.mean(elem, axes);
    return this.reduce(perSample);
  }
}
