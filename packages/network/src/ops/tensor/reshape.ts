import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, OpError, opOptionsSchema } from '@fets/pipeline';
import { TensorOp, asList, fromList } from '../tensorOp.js';

/** Options of {@link Reshape}. */
export const reshapeOptions = opOptionsSchema.extend({
  /** Target shape, batch dimension included; at most one -1 (filled from the element count). */
  shape: z.union([z.number().int().min(-1), z.array(z.number().int().min(-1))]),
  mode: opOptionsSchema.shape.mode.default('!infer'),
});

/** Options of {@link Reshape} (see {@link reshapeOptions}). */
export type ReshapeOptions = z.input<typeof reshapeOptions>;

/**
 * Reshapes each input tensor to `shape` (FastEstimator's `Reshape`, default mode `'!infer'` like FE). One output key
 * per input key.
 *
 * @example
 * new Reshape({ inputs: 'x', outputs: 'x', shape: [-1, 784] }); // [B, 28, 28] → [B, 784]
 */
export class Reshape<const O extends ReshapeOptions = ReshapeOptions> extends TensorOp<typeof reshapeOptions, O> {
  readonly shape: readonly number[];

  constructor(options: O) {
    super(options, reshapeOptions);
    const o = this.options;
    this.shape = typeof o.shape === 'number' ? [o.shape] : o.shape;
    if (this.shape.filter((d) => d === -1).length > 1) {
      throw new ConfigError('Reshape', [], `Reshape: shape: at most one dimension may be -1, received [${this.shape.join(', ')}]`);
    }
    if (this.inputs.length !== this.outputs.length || this.inputs.length === 0) {
      throw new ConfigError(
        'Reshape',
        [],
        `Reshape: expected one output key per input key, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
  }

  override forward(data: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return fromList(
      asList(data).map((x, i) => {
        const known = this.shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const ok = this.shape.includes(-1) ? known > 0 && x.size % known === 0 : known === x.size;
        if (!ok) {
          throw new OpError(
            this.name,
            this.inputs[i],
            `cannot reshape [${x.shape.join(', ')}] (${x.size} elements) to [${this.shape.join(', ')}]`,
          );
        }
        return tf.reshape(x, [...this.shape]);
      }),
    );
  }
}
