import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, OpError, keysSchema, modeSpecSchema, opOptionsSchema } from '@fets/pipeline';
import { TensorOp } from '../../ops/tensorOp.js';

const rtdLossSchema = opOptionsSchema.extend({
  /** `[rtdLogits [B, L], rtdLabels [B, L]]` (labels 1 replaced, 0 original, `ignoreIndex` left out). */
  inputs: keysSchema,
  /** `[loss, predictions]`: the mean sigmoid cross entropy (scalar) and the predicted labels [B, L] (int32, logit > 0). */
  outputs: keysSchema,
  /** Every mode but infer, as losses. */
  mode: modeSpecSchema.default('!infer'),
  ignoreIndex: z.number().int().default(-100),
});

/** Options of {@link ReplacedTokenLoss}. */
export type ReplacedTokenLossOptions = z.input<typeof rtdLossSchema>;

/**
 * ELECTRA's replaced-token-detection loss: the sigmoid cross entropy of each token's logit against whether it was
 * replaced, averaged over every token that is not `ignoreIndex` (padding), with the predicted labels (`ignoreIndex`
 * kept where the label is) for an Accuracy trace. Computed as `max(z, 0) − z·y + log(1 + e^−|z|)` (no overflow).
 *
 * @example
 * new ReplacedTokenLoss({ inputs: ['rtdLogits', 'rtdLabels'], outputs: ['rtd_loss', 'rtdPred'] });
 */
export class ReplacedTokenLoss extends TensorOp<typeof rtdLossSchema> {
  constructor(options: ReplacedTokenLossOptions) {
    super(options, rtdLossSchema);
    if (this.inputs.length !== 2 || this.outputs.length !== 2) {
      throw new ConfigError(
        this.name,
        [],
        `${this.name}: expected inputs [logits, labels] and outputs [loss, predictions], received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
  }

  override forward([logits, labels]: tf.Tensor[]): tf.Tensor[] {
    if (logits!.rank !== 2 || labels!.rank !== 2 || logits!.shape.some((d, i) => d !== labels!.shape[i])) {
      throw new OpError(
        this.name,
        this.inputs[0],
        `expected logits and labels of one shape [B, L], received [${logits!.shape}] and [${labels!.shape}]`,
      );
    }
    const ignore = this.options.ignoreIndex;
    return tf.tidy(() => {
      const used = tf.notEqual(labels!, ignore);
      const w = tf.cast(used, 'float32');
      const y = tf.mul(tf.cast(labels!, 'float32'), w);
      const z = logits!;
      const ce = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      const loss = tf.div(tf.sum(tf.mul(ce, w)), tf.maximum(tf.sum(w), 1));
      const pred = tf.where(used, tf.cast(tf.greater(z, 0), 'int32'), tf.fill(labels!.shape, ignore, 'int32'));
      return [loss, pred];
    });
  }
}
