import { z } from 'zod';
import { dsIdSpecSchema, modeSpecSchema } from '@fets/pipeline';

/**
 * Options every classification metric trace takes: where labels and predictions are, which positions to skip, where
 * it runs (default eval and test, as in FastEstimator).
 */
export const classificationOptionsSchema = z.strictObject({
  /** Key of the true labels: ids `[B]`/`[B, L]` or one-hot floats `[B, C]`. */
  trueKey: z.string().min(1),
  /** Key of the predictions: scores `[B, C]`/`[B, L, C]`, binary probabilities `[B]`/`[B, 1]`, or ids. */
  predKey: z.string().min(1),
  /** Positions whose true id equals this value are not counted (e.g. -100 on padding and sub-words). */
  ignoreValue: z.number().optional(),
  /** Key of a 0/1 mask with one value per label position; positions where it is 0 are not counted. */
  maskKey: z.string().min(1).optional(),
  /** Modes the trace runs in (default `['eval', 'test']`). */
  mode: modeSpecSchema.default(['eval', 'test']),
  /** Data sets the trace runs for (default all). */
  dsId: dsIdSpecSchema.optional(),
});
