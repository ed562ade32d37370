import { z } from 'zod';
import { GeometricOp, geometricOptions } from './geometric.js';
import { blankLike, type Image } from './image.js';

/** Options of {@link PadIfNeeded}. */
export const padIfNeededOptions = geometricOptions.extend({
  /** Pad to at least this height. */
  minHeight: z.number().int().min(1),
  /** Pad to at least this width. */
  minWidth: z.number().int().min(1),
  /** 'constant' fills with `value`; 'reflect101' mirrors the border without repeating the edge pixel (OpenCV's default). */
  borderMode: z.enum(['constant', 'reflect101']).default('reflect101'),
  /** Fill of 'constant' padding (default 0). */
  value: z.number().default(0),
});

/** Options of {@link PadIfNeeded} (see {@link padIfNeededOptions}). */
export type PadIfNeededOptions = z.input<typeof padIfNeededOptions>;

/** Reflect-101 index into [0, n): −1 → 1, n → n − 2. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/**
 * Pads images smaller than `minHeight`×`minWidth` evenly on both sides (the extra pixel at the bottom/right), masks
 * the same way (constant padding fills masks with `maskFill`), boxes shifted with the image (FastEstimator's
 * PadIfNeeded; OpenCV's BORDER_REFLECT_101 by default). Larger images pass unchanged.
 *
 * @example
 * new PadIfNeeded({ inputs: 'x', outputs: 'x', minHeight: 40, minWidth: 40, mode: 'train' });   // 32×32 → 40×40
 */
export class PadIfNeeded<const O extends PadIfNeededOptions = PadIfNeededOptions> extends GeometricOp<typeof padIfNeededOptions, null, O> {
  constructor(options: O) {
    super(options, padIfNeededOptions);
  }
  protected draw(): null {
    return null;
  }
  /** The padded size and the source's offset in it. */
  private placement(img: Image): { h: number; w: number; top: number; left: number } {
    const h = Math.max(img.h, this.options.minHeight);
    const w = Math.max(img.w, this.options.minWidth);
    return { h, w, top: Math.floor((h - img.h) / 2), left: Math.floor((w - img.w) / 2) };
  }
  protected override mapPoint(x: number, y: number, _p: null, src: Image): [number, number] {
    const { top, left } = this.placement(src);
    return [x + left, y + top];
  }
  protected move(img: Image, _p: null, mask: boolean): Image {
    const o = this.options;
    const { h, w, top, left } = this.placement(img);
    if (h === img.h && w === img.w) return img;
    const out = blankLike(img, h, w);
    const c = img.c;
    const fill = mask ? o.maskFill : o.value;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d = (y * w + x) * c;
        let sy = y - top;
        let sx = x - left;
        const outside = sy < 0 || sy >= img.h || sx < 0 || sx >= img.w;
        if (outside && o.borderMode === 'constant') {
          for (let k = 0; k < c; k++) out.data[d + k] = fill;
          continue;
        }
        sy = reflect(sy, img.h);
        sx = reflect(sx, img.w);
        const s = (sy * img.w + sx) * c;
        for (let k = 0; k < c; k++) out.data[d + k] = img.data[s + k]!;
      }
    }
    return out;
  }
}
