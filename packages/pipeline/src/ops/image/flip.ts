import { z } from 'zod';
import type { PipelineState } from '../numpyOp.js';
import { GeometricOp, geometricOptions } from './geometric.js';
import { blankLike, type Image } from './image.js';

/** Options of {@link HorizontalFlip} and {@link VerticalFlip}. */
export const flipOptions = geometricOptions.extend({
  /** Probability of flipping a sample (default 0.5). */
  prob: z.number().min(0).max(1).default(0.5),
});

/** Options of the flips (see {@link flipOptions}). */
export type FlipOptions = z.input<typeof flipOptions>;

function flip(img: Image, horizontal: boolean): Image {
  const out = blankLike(img, img.h, img.w);
  const { h, w, c } = img;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = ((horizontal ? y : h - 1 - y) * w + (horizontal ? w - 1 - x : x)) * c;
      const d = (y * w + x) * c;
      for (let k = 0; k < c; k++) out.data[d + k] = img.data[s + k]!;
    }
  }
  return out;
}

/**
 * Mirrors images left to right with probability `prob` (FastEstimator's HorizontalFlip), masks and boxes with them.
 * Keys in and out: [H, W] or [H, W, C] NDArrays (boxes: see `geometricOptions`).
 *
 * @example
 * new HorizontalFlip({ inputs: 'x', outputs: 'x', mode: 'train' });
 */
export class HorizontalFlip<const O extends FlipOptions = FlipOptions> extends GeometricOp<typeof flipOptions, boolean, O> {
  constructor(options: O) {
    super(options, flipOptions);
  }
  protected draw(_img: Image, state: PipelineState): boolean {
    return state.random() < this.options.prob;
  }
  protected move(img: Image, on: boolean): Image {
    return on ? flip(img, true) : img;
  }
  protected override mapPoint(x: number, y: number, on: boolean, src: Image): [number, number] {
    return [on ? src.w - x : x, y];
  }
}

/**
 * Mirrors images top to bottom with probability `prob` (FastEstimator's VerticalFlip), masks and boxes with them.
 *
 * @example
 * new VerticalFlip({ inputs: ['x', 'mask'], outputs: ['x', 'mask'], masks: ['mask'], mode: 'train' });
 */
export class VerticalFlip<const O extends FlipOptions = FlipOptions> extends GeometricOp<typeof flipOptions, boolean, O> {
  constructor(options: O) {
    super(options, flipOptions);
  }
  protected draw(_img: Image, state: PipelineState): boolean {
    return state.random() < this.options.prob;
  }
  protected move(img: Image, on: boolean): Image {
    return on ? flip(img, false) : img;
  }
  protected override mapPoint(x: number, y: number, on: boolean, src: Image): [number, number] {
    return [x, on ? src.h - y : y];
  }
}
