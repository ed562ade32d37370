import * as tf from '@tensorflow/tfjs';
import { ConfigError, type OpOptions, type OpSchema } from '@fets/pipeline';
import { TensorOp, asList } from '../tensorOp.js';

/**
 * Element-wise mean of its input tensors (same shape, or broadcastable), written to one output key.
 *
 * @example
 * new Average({ inputs: ['pred1', 'pred2'], outputs: 'pred' });
 */
export class Average<const O extends OpOptions = OpOptions> extends TensorOp<OpSchema, O> {
  constructor(options: O) {
    super(options);
    if (this.outputs.length !== 1 || this.inputs.length === 0) {
      throw new ConfigError(
        'Average',
        [],
        `Average: expected at least one input and exactly one output, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
  }

  override forward(data: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const xs = asList(data);
    return tf.div(xs.length === 1 ? xs[0]! : tf.addN(xs), xs.length);
  }
}
