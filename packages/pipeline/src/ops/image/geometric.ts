import { z } from 'zod';
import { OpError } from '../../core/errors.js';
import { opOptionsSchema, type OpSchema } from '../../core/op.js';
import type { NDArray } from '../../core/ndarray.js';
import { NumpyOp, type PipelineState } from '../numpyOp.js';
import { readImage, toNDArray, type Image } from './image.js';

/** Options every geometric image op takes (the op's own options extend these). */
export const geometricOptions = opOptionsSchema.extend({
  /**
   * Input keys holding masks (segmentation labels): moved with the image, sampled nearest-neighbour and filled with
   * `maskFill` outside the source, never blended. Every input is transformed with the same random draw.
   */
  masks: z.array(z.string().min(1)).default([]),
  /** Fill value of mask pixels that come from outside the source (default 0). */
  maskFill: z.number().default(0),
});

/**
 * Base of image ops that move pixels (flips, crops, padding, rotations, resizing): FastEstimator's multivariate ops.
 * The op draws its random parameters once per sample from the Pipeline's seeded stream (`draw`), then moves every
 * input key (an image and its masks) the same way (`move`), so they stay aligned. Inputs and outputs pair up one to
 * one, and every input must have the first one's height and width.
 */
export abstract class GeometricOp<S extends OpSchema = typeof geometricOptions, P = unknown> extends NumpyOp<S> {
  /** Which inputs are masks (by position). */
  protected readonly isMask: readonly boolean[];

  constructor(options: z.input<S>, schema: S) {
    super(options as never, schema);
    const o = this.options as unknown as z.output<typeof geometricOptions>;
    if (this.inputs.length !== this.outputs.length) {
      throw new OpError(
        this.name,
        undefined,
        `expected one output key per input key, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
    const unknown = o.masks.filter((k) => !this.inputs.includes(k));
    if (unknown.length > 0) throw new OpError(this.name, unknown[0], `masks: expected input keys, "${unknown[0]}" is not an input`);
    this.isMask = this.inputs.map((k) => o.masks.includes(k));
  }

  /** Draws this sample's parameters from the first image's size. */
  protected abstract draw(img: Image, state: PipelineState): P;
  /** Moves one image (`mask`: nearest-neighbour, mask fill) by the drawn parameters. */
  protected abstract move(img: Image, p: P, mask: boolean): Image;

  override forward(data: unknown, state: PipelineState): NDArray | NDArray[] {
    const values = this.inputs.length === 1 ? [data] : (data as unknown[]);
    const imgs = values.map((v, i) => readImage(this.name, this.inputs[i], v));
    const first = imgs[0]!;
    imgs.forEach((im, i) => {
      if (im.h !== first.h || im.w !== first.w) {
        throw new OpError(this.name, this.inputs[i], `expected ${first.h}×${first.w} like "${this.inputs[0]}", received ${im.h}×${im.w}`);
      }
    });
    const p = this.draw(first, state);
    const out = imgs.map((im, i) => toNDArray(this.move(im, p, this.isMask[i]!)));
    return out.length === 1 ? out[0]! : out;
  }
}

/** Options of the geometric ops with only the base options (see {@link geometricOptions}). */
export type GeometricOptions = z.input<typeof geometricOptions>;
