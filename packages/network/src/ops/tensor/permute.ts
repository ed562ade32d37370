import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, OpError, opOptionsSchema } from '@fets/pipeline';
import { TensorOp, asList, fromList } from '../tensorOp.js';

/** Options of {@link Permute}. */
export const permuteOptions = opOptionsSchema.extend({
  /** New order of the axes, batch axis included (e.g. `[0, 2, 1]`). */
  perm: z.array(z.number().int().min(0)).min(1),
});

/** Options of {@link Permute} (see {@link permuteOptions}). */
export type PermuteOptions = z.input<typeof permuteOptions>;

/**
 * Reorders the axes of each input (`tf.transpose` with `perm`). `Transpose` is the same op under FE's other name.
 *
 * @example
 * new Permute({ inputs: 'x', outputs: 'x', perm: [0, 2, 1] }); // [B, L, C] → [B, C, L]
 */
export class Permute<const O extends PermuteOptions = PermuteOptions> extends TensorOp<typeof permuteOptions, O> {
  readonly perm: readonly number[];

  constructor(options: O) {
    super(options, permuteOptions);
    const o = this.options;
    this.perm = o.perm;
    const sorted = [...o.perm].sort((a, b) => a - b);
    if (!sorted.every((v, i) => v === i)) {
      throw new ConfigError(this.name, [], `${this.name}: perm: expected a permutation of 0..${o.perm.length - 1}, received [${o.perm}]`);
    }
    if (this.inputs.length !== this.outputs.length || this.inputs.length === 0) {
      throw new ConfigError(
        this.name,
        [],
        `${this.name}: expected one output key per input key, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
  }

  override forward(data: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return fromList(
      asList(data).map((x, i) => {
        if (x.rank !== this.perm.length) {
          throw new OpError(
            this.name,
            this.inputs[i],
            `perm [${this.perm}] has ${this.perm.length} axes, received a rank-${x.rank} tensor of shape [${x.shape}]`,
          );
        }
        return tf.transpose(x, [...this.perm]);
      }),
    );
  }
}

/**
 * Alias of {@link Permute} (FastEstimator's `Transpose`).
 *
 * @example
 * new Transpose({ inputs: 'x', outputs: 'xT', perm: [1, 0] });
 */
export class Transpose extends Permute {}
