import { z } from 'zod';
import { OpError, describeValue } from '../../core/errors.js';
import { opOptionsSchema } from '../../core/op.js';
import { NDArray } from '../../core/ndarray.js';
import { NumpyOp } from '../numpyOp.js';
import { eachInput } from './image.js';

/** Options of {@link ExpandDims}. */
export const expandDimsOptions = opOptionsSchema.extend({
  /** Where the new axis of size 1 goes (negative counts from the end; default -1: a channel axis). */
  axis: z.number().int().default(-1),
});

/** Options of {@link ExpandDims} (see {@link expandDimsOptions}). */
export type ExpandDimsOptions = z.input<typeof expandDimsOptions>;

/**
 * Adds an axis of size 1 (FastEstimator's ExpandDims): a grey [H, W] image becomes [H, W, 1] for a conv net. The data
 * is shared, not copied.
 *
 * @example
 * new ExpandDims({ inputs: 'x', outputs: 'x' });   // [28, 28] → [28, 28, 1]
 */
export class ExpandDims<const O extends ExpandDimsOptions = ExpandDimsOptions> extends NumpyOp<typeof expandDimsOptions, O> {
  constructor(options: O) {
    super(options, expandDimsOptions);
  }
  override forward(data: unknown): NDArray | NDArray[] {
    return eachInput(this.inputs, data, (v, key) => {
      if (!(v instanceof NDArray)) throw new OpError(this.name, key, `expected an NDArray, received ${describeValue(v)}`);
      const r = v.rank + 1;
      const axis = this.options.axis < 0 ? r + this.options.axis : this.options.axis;
      if (axis < 0 || axis >= r) throw new OpError(this.name, key, `axis ${this.options.axis} is out of range for rank ${v.rank}`);
      const shape = [...v.shape];
      shape.splice(axis, 0, 1);
      return new NDArray(v.data, shape, v.dtype);
    });
  }
}
