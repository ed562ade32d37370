import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, OpError, keysSchema, modeSpecSchema, opOptionsSchema } from '@fets/pipeline';
import { TensorOp } from '../tensorOp.js';
import type { StepState } from '../../stepState.js';

/** Options every loss takes: `inputs: [yPred, yTrue]`, one output key, and whether to average. */
export const lossOptionsSchema = opOptionsSchema.extend({
  /** `[yPred, yTrue]`. */
  inputs: keysSchema,
  /** The loss key. */
  outputs: z.string().min(1),
  /** Modes the loss runs in; default every mode but infer (inference has no labels), as FastEstimator's LossOp. */
  mode: modeSpecSchema.default('!infer'),
  /** Average to a scalar (default) or keep one value per sample (per position for sequences). */
  averageLoss: z.boolean().default(true),
  /**
   * Divide the (masked) sum by this fixed count instead of the batch's own count of scored positions, so that every
   * position weighs the same whatever batch it falls in (fairseq's token-level normalisation). With batches grouped by
   * length, a batch of short sentences holds few positions; a per-batch mean would give each of them more weight. Set
   * it to the mean scored positions per batch to keep the loss's usual scale.
   */
  denominator: z.number().positive().optional(),
});

/** Options every loss takes (see {@link lossOptionsSchema}). */
export type LossOptions = z.input<typeof lossOptionsSchema>;

/** The schema of a loss's options: {@link lossOptionsSchema}, or it extended. */
export type LossSchema = z.ZodType<z.output<typeof lossOptionsSchema>, z.input<typeof lossOptionsSchema>>;

/** `[a, b, c]` for messages. */
export const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Base of losses (FastEstimator's `LossOp`): reads `[yPred, yTrue]`, writes one loss key; runs in every mode but
 * `infer` unless `mode` says otherwise; `averageLoss` (default true)
 * reduces per-sample values to their mean. Subclasses implement `forward`; the helpers here check shapes with messages
 * naming the op, both keys and both shapes, and reduce with an optional mask.
 *
 * @example
 * class MyLoss extends LossOp { forward([p, y]) { return this.reduce(tf.abs(tf.sub(p, y))); } }
 */
export abstract class LossOp<S extends LossSchema = typeof lossOptionsSchema, O = z.input<S>> extends TensorOp<S, O> {
  readonly averageLoss: boolean;
  /** Fixed divisor of the summed loss, if set (see the `denominator` option). */
  readonly denominator: number | undefined;

  /** @param options validated against `schema` (default {@link lossOptionsSchema}) */
  constructor(options: O, schema?: S) {
    super(options, (schema ?? lossOptionsSchema) as S);
    this.averageLoss = (this.options as z.output<typeof lossOptionsSchema>).averageLoss;
    this.denominator = (this.options as z.output<typeof lossOptionsSchema>).denominator;
    if (this.inputs.length !== 2 || this.outputs.length !== 1) {
      throw new ConfigError(
        this.name,
        [],
        `${this.name}: expected inputs [yPred, yTrue] and one output key, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
  }

  /** Computes the loss from `[yPred, yTrue]` (losses need no state). */
  abstract override forward(data: tf.Tensor[], state?: StepState): tf.Tensor;

  /** Key of the prediction. */
  get predKey(): string {
    return this.inputs[0]!;
  }

  /** Key of the ground truth. */
  get trueKey(): string {
    return this.inputs[1]!;
  }

  /** Throws an `OpError` naming both keys and both shapes. */
  shapeError(yPred: tf.Tensor, yTrue: tf.Tensor, expected: string): never {
    throw new OpError(
      this.name,
      undefined,
      `prediction "${this.predKey}" has shape ${fmtShape(yPred.shape)} and label "${this.trueKey}" has shape ${fmtShape(yTrue.shape)}: expected ${expected}`,
    );
  }

  /** Checks both inputs are tensors. */
  checkTensors(yPred: unknown, yTrue: unknown): asserts yPred is tf.Tensor {
    for (const [k, v] of [
      [this.predKey, yPred],
      [this.trueKey, yTrue],
    ] as const) {
      if (!(v instanceof tf.Tensor)) {
        throw new OpError(this.name, k, `expected a tensor, received ${v === undefined ? 'undefined (key missing)' : typeof v}`);
      }
    }
  }

  /**
   * Makes `yTrue` match `yPred`'s shape when they hold the same elements and differ only by a trailing 1
   * (`[B]` vs `[B, 1]`); otherwise throws a shape error.
   */
  alignSameShape(yPred: tf.Tensor, yTrue: tf.Tensor): tf.Tensor {
    const a = yPred.shape;
    const b = yTrue.shape;
    if (a.length === b.length && a.every((d, i) => d === b[i])) return yTrue;
    const strip = (s: readonly number[]) => (s.length > 0 && s[s.length - 1] === 1 ? s.slice(0, -1) : s);
    const sa = strip(a);
    const sb = strip(b);
    if (sa.length === sb.length && sa.every((d, i) => d === sb[i])) return tf.reshape(yTrue, a);
    return this.shapeError(yPred, yTrue, 'the same shape');
  }

  /**
   * Reduces per-sample losses: the mean when `averageLoss`, else the values themselves. With a `mask` (1 = counts),
   * masked values are zeroed and the mean divides by the number of unmasked values (0 when none).
   */
  reduce(loss: tf.Tensor, mask?: tf.Tensor): tf.Tensor {
    const l = mask ? tf.mul(loss, mask) : loss;
    if (!this.averageLoss) return l;
    if (this.denominator !== undefined) return tf.div(tf.sum(l), this.denominator);
    if (!mask) return tf.mean(l);
    return tf.div(tf.sum(l), tf.maximum(tf.sum(mask), 1));
  }
}

/** Mean over the last axis for rank ≥ 2 (Keras' per-sample reduction), identity for rank ≤ 1. */
export function meanLastAxis(x: tf.Tensor): tf.Tensor {
  return x.rank >= 2 ? tf.mean(x, -1) : x;
}
