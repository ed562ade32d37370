import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { opOptionsSchema } from '@fets/pipeline';
import { TensorOp } from '../tensorOp.js';
import type { StepState } from '../../stepState.js';

/** Options of {@link LambdaOp}. */
export const lambdaOpOptions = opOptionsSchema.extend({
  /** Called with the input tensor(s) spread as arguments, then the state; returns the output tensor(s). */
  fn: z.custom<(...args: any[]) => tf.Tensor | tf.Tensor[] | unknown>((v) => typeof v === 'function', 'expected a function'),
});
/** Options of {@link LambdaOp} (see {@link lambdaOpOptions}). */
export type LambdaOpOptions = z.input<typeof lambdaOpOptions>;

/**
 * A batch-level tensor op from a function: `fn(...inputTensors, state)` returns the output tensor (or a list, for
 * several outputs). Runs inside the Network's tidy/gradient scopes, so gradients flow through it.
 *
 * @example
 * new LambdaOp({ fn: (x: tf.Tensor) => tf.mul(x, 2), inputs: 'x', outputs: 'x2' });
 */
export class LambdaOp<const O extends LambdaOpOptions = LambdaOpOptions> extends TensorOp<typeof lambdaOpOptions, O> {
  readonly fn: (...args: any[]) => unknown;

  constructor(options: O) {
    super(options, lambdaOpOptions);
    this.fn = this.options.fn;
  }

  override forward(data: tf.Tensor | tf.Tensor[], state: StepState): unknown {
    if (this.inputs.length === 0) return this.fn(state);
    return this.inputs.length === 1 ? this.fn(data, state) : this.fn(...(data as tf.Tensor[]), state);
  }
}
