import { z } from 'zod';
import { OpError, describeValue } from '../../core/errors.js';
import { opOptionsSchema } from '../../core/op.js';
import { NDArray } from '../../core/ndarray.js';
import { NumpyOp } from '../numpyOp.js';
import { eachInput } from './image.js';

/** Options of {@link Onehot}. */
export const onehotOptions = opOptionsSchema.extend({
  /** Number of classes. */
  numClasses: z.number().int().min(1),
  /** Label smoothing ε: the target becomes (1 − ε)·onehot + ε / numClasses (default 0). */
  labelSmoothing: z.number().min(0).max(1).default(0),
});

/** Options of {@link Onehot} (see {@link onehotOptions}). */
export type OnehotOptions = z.input<typeof onehotOptions>;

/**
 * A class id becomes a float32 one-hot vector of `numClasses`, optionally smoothed (FastEstimator's Onehot).
 *
 * @example
 * new Onehot({ inputs: 'y', outputs: 'y', numClasses: 10, labelSmoothing: 0.1 });   // 3 → [0.01, 0.01, 0.01, 0.91, …]
 */
export class Onehot<const O extends OnehotOptions = OnehotOptions> extends NumpyOp<typeof onehotOptions, O> {
  constructor(options: O) {
    super(options, onehotOptions);
  }
  override forward(data: unknown): NDArray | NDArray[] {
    const { numClasses, labelSmoothing } = this.options;
    return eachInput(this.inputs, data, (v, key) => {
      const id = v instanceof NDArray && v.size === 1 ? Number(v.data[0]) : v;
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= numClasses) {
        throw new OpError(this.name, key, `expected a class id in [0, ${numClasses}), received ${describeValue(v)}`);
      }
      const res = new Float32Array(numClasses).fill(labelSmoothing / numClasses);
      res[id] = 1 - labelSmoothing + labelSmoothing / numClasses;
      return new NDArray(res, [numClasses], 'float32');
    });
  }
}
