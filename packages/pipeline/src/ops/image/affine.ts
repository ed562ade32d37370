import { z } from 'zod';
import type { PipelineState } from '../numpyOp.js';
import { GeometricOp, geometricOptions } from './geometric.js';
import { blankLike, sample, type Image } from './image.js';

/** A range [low, high], or one number v for [−v, v]. */
const range = z.union([z.number(), z.tuple([z.number(), z.number()])]);

/** Options of {@link Affine}. */
export const affineOptions = geometricOptions.extend({
  /** Rotation in degrees, drawn uniformly from the range (default none). */
  rotate: range.default(0),
  /** Zoom factor, drawn uniformly from [low, high] (default 1: none). */
  scale: z.tuple([z.number().positive(), z.number().positive()]).default([1, 1]),
  /** Shift as a fraction of the height and width, drawn from the range per axis (default none). */
  translate: range.default(0),
  /** Horizontal shear in degrees, drawn from the range (default none). */
  shear: range.default(0),
  /** Fill of pixels that come from outside the image (default 0). */
  fill: z.number().default(0),
});

/** Options of {@link Affine} (see {@link affineOptions}). */
export type AffineOptions = z.input<typeof affineOptions>;

/** Options of {@link Rotate}. */
export const rotateOptions = geometricOptions.extend({
  /** Largest rotation in degrees: drawn from [−limit, limit], or from [low, high] (default 90). */
  limit: range.default(90),
  /** Fill of pixels that come from outside the image (default 0). */
  fill: z.number().default(0),
});

/** Options of {@link Rotate} (see {@link rotateOptions}). */
export type RotateOptions = z.input<typeof rotateOptions>;

/** The inverse map (output pixel → source point) about the image centre, as [a, b, c, d, tx, ty]. */
type InverseMap = [number, number, number, number, number, number];

const pick = (r: number | [number, number], u: number) => {
  const [lo, hi] = typeof r === 'number' ? [-Math.abs(r), Math.abs(r)] : r;
  return lo + (hi - lo) * u;
};

function inverseMap(img: Image, degrees: number, scale: number, tx: number, ty: number, shearDeg: number): InverseMap {
  // Forward: p' = c + S·R·Sh·(p − c) + t. Inverse: p = c + (S·R·Sh)⁻¹·(p' − c − t).
  const th = (degrees * Math.PI) / 180;
  const sh = Math.tan((shearDeg * Math.PI) / 180);
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  // M = scale · R · Sh, Sh = [[1, sh], [0, 1]].
  const m00 = scale * cos;
  const m01 = scale * (cos * sh - sin);
  const m10 = scale * sin;
  const m11 = scale * (sin * sh + cos);
  const det = m00 * m11 - m01 * m10;
  return [m11 / det, -m01 / det, -m10 / det, m00 / det, tx * img.w, ty * img.h];
}

/**
 * Where a source point lands under the warp (edge coordinates in and out): the inverse map solved for the output point.
 * The warp works on pixel centres, so the point moves half a pixel there and back.
 */
function forwardPoint(img: Image, inv: InverseMap, x: number, y: number): [number, number] {
  const [a, b, c, d, tx, ty] = inv;
  const cy = (img.h - 1) / 2;
  const cx = (img.w - 1) / 2;
  // Source (centre coordinates) = centre + [[a, b], [c, d]]·(u, v), with (u, v) the output point minus centre and shift.
  const sx = x - 0.5 - cx;
  const sy = y - 0.5 - cy;
  const det = a * d - b * c;
  const u = (d * sx - b * sy) / det;
  const v = (a * sy - c * sx) / det;
  return [u + cx + tx + 0.5, v + cy + ty + 0.5];
}

function warp(img: Image, inv: InverseMap, mask: boolean, fill: number): Image {
  const out = blankLike(img, img.h, img.w);
  const cy = (img.h - 1) / 2;
  const cx = (img.w - 1) / 2;
  const [a, b, c, d, tx, ty] = inv;
  for (let y = 0; y < img.h; y++) {
    for (let x = 0; x < img.w; x++) {
      const u = x - cx - tx;
      const v = y - cy - ty;
      sample(img, c * u + d * v + cy, a * u + b * v + cx, out.data, (y * img.w + x) * img.c, mask, fill);
    }
  }
  return out;
}

/**
 * Rotates, zooms, shifts and shears images about their centre by one random draw per sample (FastEstimator's Affine),
 * masks with them (nearest-neighbour), boxes too (each becomes the rectangle enclosing its moved corners, clipped).
 * Bilinear sampling; pixels from outside get `fill`. Same size out.
 *
 * @example
 * new Affine({ inputs: 'x', outputs: 'x', rotate: 15, scale: [0.9, 1.1], translate: 0.1, mode: 'train' });
 */
export class Affine<const O extends AffineOptions = AffineOptions> extends GeometricOp<typeof affineOptions, InverseMap, O> {
  constructor(options: O) {
    super(options, affineOptions);
  }
  protected draw(img: Image, state: PipelineState): InverseMap {
    const o = this.options;
    const [s0, s1] = o.scale;
    return inverseMap(
      img,
      pick(o.rotate, state.random()),
      s0 + (s1 - s0) * state.random(),
      pick(o.translate, state.random()),
      pick(o.translate, state.random()),
      pick(o.shear, state.random()),
    );
  }
  protected move(img: Image, inv: InverseMap, mask: boolean): Image {
    return warp(img, inv, mask, mask ? this.options.maskFill : this.options.fill);
  }
  protected override mapPoint(x: number, y: number, inv: InverseMap, src: Image): [number, number] {
    return forwardPoint(src, inv, x, y);
  }
}

/**
 * Rotates images about their centre by an angle drawn from [−limit, limit] degrees (FastEstimator's Rotate), masks
 * and boxes with them. Bilinear; pixels from outside get `fill`.
 *
 * @example
 * new Rotate({ inputs: 'x', outputs: 'x', limit: 15, mode: 'train' });
 */
export class Rotate<const O extends RotateOptions = RotateOptions> extends GeometricOp<typeof rotateOptions, InverseMap, O> {
  constructor(options: O) {
    super(options, rotateOptions);
  }
  protected draw(img: Image, state: PipelineState): InverseMap {
    return inverseMap(img, pick(this.options.limit, state.random()), 1, 0, 0, 0);
  }
  protected move(img: Image, inv: InverseMap, mask: boolean): Image {
    return warp(img, inv, mask, mask ? this.options.maskFill : this.options.fill);
  }
  protected override mapPoint(x: number, y: number, inv: InverseMap, src: Image): [number, number] {
    return forwardPoint(src, inv, x, y);
  }
}
