import { z } from 'zod';
import { OpError } from '../../core/errors.js';
import { opOptionsSchema } from '../../core/op.js';
import type { NDArray } from '../../core/ndarray.js';
import { NumpyOp } from '../numpyOp.js';
import { eachInput, readImage, toNDArray } from './image.js';

/** One value for every channel, or one per channel. */
const perChannel = z.union([z.number(), z.array(z.number()).min(1)]);

/** Options of {@link Normalize}. */
export const normalizeOptions = opOptionsSchema.extend({
  /** Mean per channel after dividing by `maxPixelValue` (default ImageNet's 0.485, 0.456, 0.406). */
  mean: perChannel.default([0.485, 0.456, 0.406]),
  /** Standard deviation per channel (default ImageNet's 0.229, 0.224, 0.225). */
  std: perChannel.default([0.229, 0.224, 0.225]),
  /** Largest pixel value (default 255): pixels are divided by it first. */
  maxPixelValue: z.number().positive().default(255),
});

/** Options of {@link Normalize} (see {@link normalizeOptions}). */
export type NormalizeOptions = z.input<typeof normalizeOptions>;

/**
 * (x / maxPixelValue − mean) / std per channel, float32 out (FastEstimator's Normalize, albumentations' formula).
 * A list of means or stds must have one value per channel.
 *
 * @example
 * new Normalize({ inputs: 'x', outputs: 'x', mean: [0.4914, 0.4822, 0.4465], std: [0.2471, 0.2435, 0.2616] });
 */
export class Normalize<const O extends NormalizeOptions = NormalizeOptions> extends NumpyOp<typeof normalizeOptions, O> {
  constructor(options: O) {
    super(options, normalizeOptions);
  }

  override forward(data: unknown): NDArray | NDArray[] {
    const o = this.options;
    return eachInput(this.inputs, data, (v, key) => {
      const img = readImage(this.name, key, v);
      const per = (x: number | number[], what: string) => {
        if (typeof x === 'number') return new Array<number>(img.c).fill(x);
        if (x.length !== img.c)
          throw new OpError(this.name, key, `${what}: expected ${img.c} values (one per channel), received ${x.length}`);
        return x;
      };
      const mean = per(o.mean, 'mean');
      const std = per(o.std, 'std');
      const res = new Float32Array(img.data.length);
      for (let j = 0; j < res.length; j++) {
        const c = j % img.c;
        res[j] = (img.data[j]! / o.maxPixelValue - mean[c]!) / std[c]!;
      }
      return toNDArray({ ...img, data: res, dtype: 'float32' });
    });
  }
}
