import { z } from 'zod';
import { GeometricOp, geometricOptions } from './geometric.js';
import { blankLike, sample, type Image } from './image.js';

/** Options of {@link Resize}. */
export const resizeOptions = geometricOptions.extend({
  /** Output height. */
  height: z.number().int().min(1),
  /** Output width. */
  width: z.number().int().min(1),
});

/** Options of {@link Resize} (see {@link resizeOptions}). */
export type ResizeOptions = z.input<typeof resizeOptions>;

/**
 * Resizes images to `height`×`width` (bilinear, pixel centres aligned as OpenCV's INTER_LINEAR), masks
 * nearest-neighbour (FastEstimator's Resize).
 *
 * @example
 * new Resize({ inputs: 'x', outputs: 'x', height: 32, width: 32 });
 */
export class Resize<const O extends ResizeOptions = ResizeOptions> extends GeometricOp<typeof resizeOptions, null, O> {
  constructor(options: O) {
    super(options, resizeOptions);
  }
  protected draw(): null {
    return null;
  }
  protected override mapPoint(x: number, y: number, _p: null, src: Image): [number, number] {
    return [(x * this.options.width) / src.w, (y * this.options.height) / src.h];
  }
  protected move(img: Image, _p: null, mask: boolean): Image {
    const { height, width } = this.options;
    if (height === img.h && width === img.w) return img;
    const out = blankLike(img, height, width);
    const sy = img.h / height;
    const sx = img.w / width;
    for (let y = 0; y < height; y++) {
      const fy = Math.min(img.h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
      for (let x = 0; x < width; x++) {
        const fx = Math.min(img.w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
        sample(img, fy, fx, out.data, (y * width + x) * img.c, mask, 0);
      }
    }
    return out;
  }
}
