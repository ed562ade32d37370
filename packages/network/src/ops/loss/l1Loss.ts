import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { LossOp, lossOptionsSchema, meanLastAxis } from './lossOp.js';

/** Options of {@link L1Loss}. */
export const l1LossOptions = lossOptionsSchema.extend({
  /** `'L1'` |d|; `'Smooth'` 0.5·d²/β when |d| < β else |d| − 0.5·β; `'Huber'` 0.5·d² when |d| ≤ δ else δ·(|d| − 0.5·δ). */
  loss: z.enum(['L1', 'Smooth', 'Huber']).default('L1'),
  /** Smooth L1 threshold β (default 1). */
  beta: z.number().positive().default(1),
  /** Huber threshold δ (default 1). */
  delta: z.number().positive().default(1),
});

/** Options of {@link L1Loss} (see {@link l1LossOptions}). */
export type L1LossOptions = z.input<typeof l1LossOptions>;

/**
 * L1-family regression losses (FastEstimator's `L1_Loss`): absolute error, smooth L1, or Huber, element-wise, then
 * the mean over the last axis per sample and the batch mean when `averageLoss`.
 *
 * @example
 * new L1Loss({ inputs: ['yPred', 'y'], outputs: 'loss', loss: 'Huber', delta: 0.5 });
 */
export class L1Loss<const O extends L1LossOptions = L1LossOptions> extends LossOp<typeof l1LossOptions, O> {
  readonly loss: 'L1' | 'Smooth' | 'Huber';
  readonly beta: number;
  readonly delta: number;

  constructor(options: O) {
    super(options, l1LossOptions);
    const o = this.options;
    this.loss = o.loss;
    this.beta = o.beta;
    this.delta = o.delta;
  }

  override forward(data: tf.Tensor[]): tf.Tensor {
    const [yPred, yTrueIn] = data as [tf.Tensor, tf.Tensor];
    this.checkTensors(yPred, yTrueIn);
    const yTrue = tf.cast(this.alignSameShape(yPred, yTrueIn), 'float32');
    const ad = tf.abs(tf.sub(yPred, yTrue));
    let elem: tf.Tensor;
    if (this.loss === 'L1') {
      elem = ad;
    } else if (this.loss === 'Smooth') {
      elem = tf.where(tf.less(ad, this.beta), tf.div(tf.mul(0.5, tf.square(ad)), this.beta), tf.sub(ad, 0.5 * this.beta));
    } else {
      elem = tf.where(tf.lessEqual(ad, this.delta), tf.mul(0.5, tf.square(ad)), tf.mul(this.delta, tf.sub(ad, 0.5 * this.delta)));
    }
    return this.reduce(meanLastAxis(elem));
  }
}
