import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { opOptionsSchema, parseOptions, type OpOptions } from '@fets/pipeline';
import { TensorOp, type TensorOpState } from '../tensorOp.js';

const lambdaSchema = opOptionsSchema
  .extend({ fn: z.custom<(...args: any[]) => unknown>((v) => typeof v === 'function', 'expected a function') })
  .strict();

/** Options of {@link LambdaOp}. */
export interface LambdaOpOptions extends OpOptions {
  /** Called with the input tensor(s) spread as arguments, then the state; returns the output tensor(s). */
  fn: (...args: any[]) => tf.Tensor | tf.Tensor[] | unknown;
}

/**
 * A batch-level tensor op from a function: `fn(...inputTensors, state)` returns the output tensor (or a list, for
 * several outputs). Runs inside the Network's tidy/gradient scopes, so gradients flow through it.
 *
 * @example
 * new LambdaOp({ fn: (x: tf.Tensor) => tf.mul(x, 2), inputs: 'x', outputs: 'x2' });
 */
export class LambdaOp extends TensorOp {
  readonly fn: (...args: any[]) => unknown;

  constructor(options: LambdaOpOptions) {
    const o = parseOptions('LambdaOp', lambdaSchema, options);
    super(o);
    this.fn = o.fn;
  }

  override forward(data: tf.Tensor | tf.Tensor[], state: TensorOpState): unknown {
    if (this.inputs.length === 0) return this.fn(state);
    return this.inputs.length === 1 ? this.fn(data, state) : this.fn(...(data as tf.Tensor[]), state);
  }
}
