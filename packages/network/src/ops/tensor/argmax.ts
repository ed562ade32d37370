import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, opOptionsSchema } from '@fets/pipeline';
import { TensorOp, asList, fromList } from '../tensorOp.js';

/** Options of {@link Argmax}. */
export const argmaxOptions = opOptionsSchema.extend({
  /** Axis to reduce (negative counts from the end); default -1. */
  axis: z.number().int().default(-1),
});

/** Options of {@link Argmax} (see {@link argmaxOptions}). */
export type ArgmaxOptions = z.input<typeof argmaxOptions>;

/**
 * Index of the largest value along `axis` for each input (int32), e.g. class ids from logits.
 *
 * @example
 * new Argmax({ inputs: 'yPred', outputs: 'yLabel', axis: -1 }); // [B, L, C] → [B, L]
 */
export class Argmax<const O extends ArgmaxOptions = ArgmaxOptions> extends TensorOp<typeof argmaxOptions, O> {
  readonly axis: number;

  constructor(options: O) {
    super(options, argmaxOptions);
    const o = this.options;
    this.axis = o.axis;
    if (this.inputs.length !== this.outputs.length || this.inputs.length === 0) {
      throw new ConfigError(
        'Argmax',
        [],
        `Argmax: expected one output key per input key, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
  }

  override forward(data: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return fromList(asList(data).map((x) => tf.argMax(x, this.axis)));
  }
}
