import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { OpError, opOptionsSchema } from '@fets/pipeline';
import { TensorOp } from '../../tensorOp.js';
import type { StepState } from '../../../stepState.js';
import { betaSample } from './beta.js';

/** Options of {@link CutMixBatch}. */
export const cutMixOptions = opOptionsSchema.extend({
  /** Beta(α, α) of the kept share λ (default 1). */
  alpha: z.number().positive().default(1),
  /** Modes it runs in (default train only). */
  mode: opOptionsSchema.shape.mode.default('train'),
});

/** Options of {@link CutMixBatch} (see {@link cutMixOptions}). */
export type CutMixOptions = z.input<typeof cutMixOptions>;

/**
 * CutMix on a batch (FastEstimator's CutMixBatch, Yun et al. 2019): λ ~ Beta(α, α); a box of (1 − λ) of the image area
 * at a random centre is pasted from the batch shifted by one; the labels mix by the box's actual share. Inputs:
 * `[images [B, H, W, C], one-hot labels [B, K]]`, outputs the same two.
 *
 * @example
 * new CutMixBatch({ inputs: ['x', 'y'], outputs: ['x', 'y'] });
 */
export class CutMixBatch<const O extends CutMixOptions = CutMixOptions> extends TensorOp<typeof cutMixOptions, O> {
  constructor(options: O) {
    super(options, cutMixOptions);
    if (this.inputs.length !== 2 || this.outputs.length !== 2) {
      throw new OpError(
        this.name,
        undefined,
        `expected inputs [images, labels] and two outputs, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
  }

  override forward(data: tf.Tensor[], state: StepState): tf.Tensor[] {
    const [x, y] = data as [tf.Tensor4D, tf.Tensor];
    if (x.rank !== 4) throw new OpError(this.name, this.inputs[0], `expected images [B, H, W, C], received shape [${x.shape}]`);
    const [b, h, w] = x.shape;
    const lam = betaSample(this.options.alpha, this.options.alpha, state.random);
    const cut = Math.sqrt(1 - lam);
    const ch = Math.round(h * cut);
    const cw = Math.round(w * cut);
    const cy = Math.floor(state.random() * h);
    const cx = Math.floor(state.random() * w);
    const y0 = Math.max(0, cy - Math.floor(ch / 2));
    const y1 = Math.min(h, y0 + ch);
    const x0 = Math.max(0, cx - Math.floor(cw / 2));
    const x1 = Math.min(w, x0 + cw);
    const roll = (t: tf.Tensor) => tf.concat([tf.slice(t, [b - 1], [1]), tf.slice(t, [0], [b - 1])], 0);
    const rows = tf.logicalAnd(tf.greaterEqual(tf.range(0, h), y0), tf.less(tf.range(0, h), y1)).reshape([1, h, 1, 1]);
    const cols = tf.logicalAnd(tf.greaterEqual(tf.range(0, w), x0), tf.less(tf.range(0, w), x1)).reshape([1, 1, w, 1]);
    const box = tf.logicalAnd(rows, cols);
    const xf = tf.cast(x, 'float32');
    const mixed = tf.where(tf.broadcastTo(box, xf.shape), roll(xf), xf);
    const share = ((y1 - y0) * (x1 - x0)) / (h * w);
    const labels = tf.add(tf.mul(tf.cast(y, 'float32'), 1 - share), tf.mul(tf.cast(roll(y), 'float32'), share));
    return [mixed, labels];
  }
}
