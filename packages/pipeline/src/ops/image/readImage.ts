import { z } from 'zod';
import { OpError, describeValue } from '../../core/errors.js';
import { NDArray } from '../../core/ndarray.js';
import { opOptionsSchema } from '../../core/op.js';
import { decodeImageFile } from '../../io/imageFile.js';
import { NumpyOp } from '../numpyOp.js';
import { eachInput } from './image.js';

/** Options of {@link ReadImage}. */
export const readImageOptions = opOptionsSchema.extend({
  /** Channels to decode to: 1 (grey), 3 (RGB, default) or 4 (RGBA). */
  channels: z.union([z.literal(1), z.literal(3), z.literal(4)]).default(3),
  /** Folder relative paths are resolved against (default: the working directory). */
  parentPath: z.string().optional(),
});

/** Options of {@link ReadImage} (see {@link readImageOptions}). */
export type ReadImageOptions = z.input<typeof readImageOptions>;

/**
 * A file path becomes an image: PNG or JPEG decoded to an int32 NDArray [H, W, C] of 0–255 levels (FastEstimator's
 * ReadImage). A missing or corrupt file names the op, the key and, through the Pipeline, the sample.
 *
 * @example
 * new ReadImage({ inputs: 'path', outputs: 'x', parentPath: 'data/cats-vs-dogs' });
 */
export class ReadImage<const O extends ReadImageOptions = ReadImageOptions> extends NumpyOp<typeof readImageOptions, O> {
  constructor(options: O) {
    super(options, readImageOptions);
  }
  override forward(data: unknown): NDArray | NDArray[] {
    return eachInput(this.inputs, data, (v, key) => {
      if (typeof v !== 'string') throw new OpError(this.name, key, `expected a file path, received ${describeValue(v)}`);
      const file = this.options.parentPath && !v.startsWith('/') ? `${this.options.parentPath}/${v}` : v;
      let img: ReturnType<typeof decodeImageFile>;
      try {
        img = decodeImageFile(file, this.options.channels, this.name);
      } catch (e) {
        throw new OpError(this.name, key, (e as Error).message);
      }
      return new NDArray(Int32Array.from(img.data), [img.height, img.width, img.channels], 'int32');
    });
  }
}
