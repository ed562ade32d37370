import type { OpOptions, OpSchema } from '../../core/op.js';
import { NumpyOp } from '../numpyOp.js';
import { eachInput, readImage, toNDArray } from './image.js';
import type { NDArray } from '../../core/ndarray.js';

/**
 * Scales each image to [0, 1] by its own minimum and maximum: (x − min) / (max − min), float32 out (FastEstimator's
 * Minmax; a constant image becomes zeros). Each input key is scaled on its own.
 *
 * @example
 * new Minmax({ inputs: 'x', outputs: 'x' });   // uint8 digits 0–255 → float32 0–1
 */
export class Minmax<const O extends OpOptions = OpOptions> extends NumpyOp<OpSchema, O> {
  override forward(data: unknown): NDArray | NDArray[] {
    return eachInput(this.inputs, data, (v, key) => {
      const img = readImage(this.name, key, v);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const x of img.data) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      const span = hi - lo;
      const data = new Float32Array(img.data.length);
      if (span > 0) for (let j = 0; j < data.length; j++) data[j] = (img.data[j]! - lo) / span;
      return toNDArray({ ...img, data, dtype: 'float32' });
    });
  }
}
