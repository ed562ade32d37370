import { z } from 'zod';
import { OpError } from '../../core/errors.js';
import type { PipelineState } from '../numpyOp.js';
import { GeometricOp, geometricOptions } from './geometric.js';
import { blankLike, type Image } from './image.js';

/** Options of {@link RandomCrop} and {@link CenterCrop}. */
export const cropOptions = geometricOptions.extend({
  /** Height of the crop, at most the image's. */
  height: z.number().int().min(1),
  /** Width of the crop, at most the image's. */
  width: z.number().int().min(1),
});

/** Options of the crops (see {@link cropOptions}). */
export type CropOptions = z.input<typeof cropOptions>;

/** The `height`×`width` window of `img` whose top-left corner is (top, left). */
export function cropAt(img: Image, top: number, left: number, height: number, width: number): Image {
  const out = blankLike(img, height, width);
  const c = img.c;
  for (let y = 0; y < height; y++) {
    const s = ((top + y) * img.w + left) * c;
    out.data.set(img.data.subarray(s, s + width * c), y * width * c);
  }
  return out;
}

abstract class Crop<O extends CropOptions = CropOptions> extends GeometricOp<typeof cropOptions, [number, number], O> {
  constructor(options: O) {
    super(options, cropOptions);
  }
  protected checkSize(img: Image): void {
    const { height, width } = this.options;
    if (height > img.h || width > img.w) {
      throw new OpError(
        this.name,
        this.inputs[0],
        `expected an image of at least ${height}×${width}, received ${img.h}×${img.w} (pad it first: PadIfNeeded)`,
      );
    }
  }
  protected move(img: Image, [top, left]: [number, number]): Image {
    return cropAt(img, top, left, this.options.height, this.options.width);
  }
  protected override mapPoint(x: number, y: number, [top, left]: [number, number]): [number, number] {
    return [x - left, y - top];
  }
}

/**
 * Cuts a `height`×`width` window at a random place (FastEstimator's RandomCrop), masks and boxes with it (boxes
 * clipped to the window, dropped when outside it); with PadIfNeeded
 * before it, CIFAR-10's pad-and-crop augmentation.
 *
 * @example
 * new RandomCrop({ inputs: 'x', outputs: 'x', height: 32, width: 32, mode: 'train' });
 */
export class RandomCrop<const O extends CropOptions = CropOptions> extends Crop<O> {
  protected draw(img: Image, state: PipelineState): [number, number] {
    this.checkSize(img);
    const top = Math.floor(state.random() * (img.h - this.options.height + 1));
    const left = Math.floor(state.random() * (img.w - this.options.width + 1));
    return [top, left];
  }
}

/**
 * Cuts the central `height`×`width` window (FastEstimator's CenterCrop).
 *
 * @example
 * new CenterCrop({ inputs: 'x', outputs: 'x', height: 24, width: 24 });
 */
export class CenterCrop<const O extends CropOptions = CropOptions> extends Crop<O> {
  protected draw(img: Image): [number, number] {
    this.checkSize(img);
    return [Math.floor((img.h - this.options.height) / 2), Math.floor((img.w - this.options.width) / 2)];
  }
}
