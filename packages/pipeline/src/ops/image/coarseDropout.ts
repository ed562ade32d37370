import { z } from 'zod';
import type { PipelineState } from '../numpyOp.js';
import { GeometricOp, geometricOptions } from './geometric.js';
import type { Image } from './image.js';

/** Options of {@link CoarseDropout}. */
export const coarseDropoutOptions = geometricOptions.extend({
  /** Most holes per image (default 8). */
  maxHoles: z.number().int().min(1).default(8),
  /** Fewest holes per image (default `maxHoles`). */
  minHoles: z.number().int().min(0).optional(),
  /** Largest hole height in pixels (default 8). */
  maxHeight: z.number().int().min(1).default(8),
  /** Largest hole width in pixels (default 8). */
  maxWidth: z.number().int().min(1).default(8),
  /** Value written into the holes (default 0). */
  fillValue: z.number().default(0),
  /** Probability of applying to a sample (default 1). */
  prob: z.number().min(0).max(1).default(1),
});

/** Options of {@link CoarseDropout} (see {@link coarseDropoutOptions}). */
export type CoarseDropoutOptions = z.input<typeof coarseDropoutOptions>;

/** A hole: top, left, height, width. */
type Hole = [number, number, number, number];

/**
 * Cutout: fills between `minHoles` and `maxHoles` rectangles of up to `maxHeight`×`maxWidth` pixels with `fillValue`
 * (FastEstimator's CoarseDropout; ResNet9's CIFAR-10 recipe uses one 8×8 hole). Holes may run past the border (they
 * are clipped), as in albumentations. Masks get the same holes filled with `maskFill`.
 *
 * @example
 * new CoarseDropout({ inputs: 'x', outputs: 'x', maxHoles: 1, mode: 'train' });
 */
export class CoarseDropout<const O extends CoarseDropoutOptions = CoarseDropoutOptions> extends GeometricOp<
  typeof coarseDropoutOptions,
  Hole[],
  O
> {
  constructor(options: O) {
    super(options, coarseDropoutOptions);
  }
  protected draw(img: Image, state: PipelineState): Hole[] {
    const o = this.options;
    if (state.random() >= o.prob) return [];
    const min = Math.min(o.minHoles ?? o.maxHoles, o.maxHoles);
    const n = min + Math.floor(state.random() * (o.maxHoles - min + 1));
    const holes: Hole[] = [];
    for (let i = 0; i < n; i++) {
      const hh = 1 + Math.floor(state.random() * o.maxHeight);
      const ww = 1 + Math.floor(state.random() * o.maxWidth);
      holes.push([Math.floor(state.random() * img.h), Math.floor(state.random() * img.w), hh, ww]);
    }
    return holes;
  }
  /** Holes do not move pixels: boxes stay where they are. */
  protected override mapPoint(x: number, y: number): [number, number] {
    return [x, y];
  }
  protected move(img: Image, holes: Hole[], mask: boolean): Image {
    if (holes.length === 0) return img;
    const out = { ...img, data: img.data.slice() };
    const v = mask ? this.options.maskFill : this.options.fillValue;
    for (const [t, l, hh, ww] of holes) {
      for (let y = t; y < Math.min(img.h, t + hh); y++) {
        out.data.fill(v, (y * img.w + l) * img.c, (y * img.w + Math.min(img.w, l + ww)) * img.c);
      }
    }
    return out;
  }
}
