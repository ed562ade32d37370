import { NDArray } from '../../core/ndarray.js';
import type { OpOptions, OpSchema } from '../../core/op.js';
import { NumpyOp } from '../numpyOp.js';
import { eachInput, readImage } from './image.js';

/**
 * Moves the channel axis first: [H, W, C] → [C, H, W] (FastEstimator's ChannelTranspose, for channels-first models
 * such as PyTorch's). fets' own conv nets are channels-last and need no transpose.
 *
 * @example
 * new ChannelTranspose({ inputs: 'x', outputs: 'x' });
 */
export class ChannelTranspose<const O extends OpOptions = OpOptions> extends NumpyOp<OpSchema, O> {
  override forward(data: unknown): NDArray | NDArray[] {
    return eachInput(this.inputs, data, (v, key) => {
      const img = readImage(this.name, key, v);
      const res = img.dtype === 'float32' ? new Float32Array(img.data.length) : new Int32Array(img.data.length);
      const hw = img.h * img.w;
      for (let p = 0; p < hw; p++) for (let c = 0; c < img.c; c++) res[c * hw + p] = img.data[p * img.c + c]!;
      return new NDArray(res, [img.c, img.h, img.w], img.dtype);
    });
  }
}
