import { z } from 'zod';
import { OpError } from '../../core/errors.js';
import { opOptionsSchema, type OpSchema } from '../../core/op.js';
import type { NDArray } from '../../core/ndarray.js';
import { NumpyOp, type PipelineState } from '../numpyOp.js';
import { moveBoxes, readBoxes } from './boxes.js';
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
  /**
   * Input keys holding bounding boxes (NDArray [N, 4+] or rows of numbers; numbers after the fourth, such as a class
   * label, are carried along): moved with the image, clipped to it, and dropped when moved wholly outside.
   */
  boxes: z.array(z.string().min(1)).default([]),
  /** Layout of the boxes: `coco` [x, y, width, height] (FastEstimator's default) or `pascal_voc` [x1, y1, x2, y2]. */
  boxFormat: z.enum(['coco', 'pascal_voc']).default('coco'),
});

/**
 * Base of image ops that move pixels (flips, crops, padding, rotations, resizing): FastEstimator's multivariate ops.
 * The op draws its random parameters once per sample from the Pipeline's seeded stream (`draw`), then moves every
 * input key (an image, its masks, its boxes) the same way (`move`; boxes by `mapPoint`), so they stay aligned. Inputs
 * and outputs pair up one to one, and every image input must have the first one's height and width.
 */
export abstract class GeometricOp<S extends OpSchema = typeof geometricOptions, P = unknown, O = z.input<S>> extends NumpyOp<S, O> {
  /** Which inputs are masks (by position). */
  protected readonly isMask: readonly boolean[];
  /** Which inputs are boxes (by position). */
  protected readonly isBox: readonly boolean[];

  constructor(options: O, schema: S) {
    super(options, schema);
    const o = this.options as unknown as z.output<typeof geometricOptions>;
    if (this.inputs.length !== this.outputs.length) {
      throw new OpError(
        this.name,
        undefined,
        `expected one output key per input key, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
    for (const [what, keys] of [
      ['masks', o.masks],
      ['boxes', o.boxes],
    ] as const) {
      const unknown = keys.filter((k) => !this.inputs.includes(k));
      if (unknown.length > 0) throw new OpError(this.name, unknown[0], `${what}: expected input keys, "${unknown[0]}" is not an input`);
    }
    this.isMask = this.inputs.map((k) => o.masks.includes(k));
    this.isBox = this.inputs.map((k) => o.boxes.includes(k));
    if (this.isBox.every(Boolean)) {
      throw new OpError(this.name, this.inputs[0], 'expected an image input besides the boxes (the boxes move with it)');
    }
    if (o.boxes.length > 0 && this.mapPoint === GeometricOp.prototype.mapPoint) {
      throw new OpError(this.name, o.boxes[0], `boxes: ${this.name} cannot move boxes (it does not implement mapPoint)`);
    }
  }

  /** Draws this sample's parameters from the first image's size. */
  protected abstract draw(img: Image, state: PipelineState): P;
  /** Moves one image (`mask`: nearest-neighbour, mask fill) by the drawn parameters. */
  protected abstract move(img: Image, p: P, mask: boolean): Image;
  /**
   * Where the point (x, y) of the source image lands, in edge coordinates ((0, 0) is the top-left corner of the top-left
   * pixel, (w, h) the bottom-right corner of the last one); boxes move by their corners. An op without it refuses boxes.
   */
  protected mapPoint(_x: number, _y: number, _p: P, _src: Image): [number, number] {
    throw new OpError(this.name, undefined, 'cannot move boxes (it does not implement mapPoint)');
  }

  override forward(data: unknown, state: PipelineState): NDArray | NDArray[] {
    const values = this.inputs.length === 1 ? [data] : (data as unknown[]);
    const imgs = values.map((v, i) => (this.isBox[i] ? undefined : readImage(this.name, this.inputs[i], v)));
    const firstAt = this.isBox.indexOf(false);
    const first = imgs[firstAt]!;
    imgs.forEach((im, i) => {
      if (im && (im.h !== first.h || im.w !== first.w)) {
        const key = this.inputs[firstAt];
        throw new OpError(this.name, this.inputs[i], `expected ${first.h}×${first.w} like "${key}", received ${im.h}×${im.w}`);
      }
    });
    const p = this.draw(first, state);
    const moved = imgs.map((im, i) => (im ? this.move(im, p, this.isMask[i]!) : undefined));
    const size = moved[firstAt]!;
    const format = (this.options as unknown as z.output<typeof geometricOptions>).boxFormat;
    const out = values.map((v, i) =>
      moved[i]
        ? toNDArray(moved[i])
        : moveBoxes(readBoxes(this.name, this.inputs[i], v), (x, y) => this.mapPoint(x, y, p, first), size.h, size.w, format),
    );
    return out.length === 1 ? out[0]! : out;
  }
}

/** Options of the geometric ops with only the base options (see {@link geometricOptions}). */
export type GeometricOptions = z.input<typeof geometricOptions>;
