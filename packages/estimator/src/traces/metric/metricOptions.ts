import { z } from 'zod';
import { dsIdSpecSchema, modeSpecSchema } from '@fets/pipeline';
import type { TraceOptions } from '../../core/trace.js';

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

/**
 * The Trace options of a classification metric: reads the true, predicted (and mask) keys, writes `outputs`, runs in
 * the configured modes and data sets.
 *
 * @example
 * super(metricTraceOptions(o, o.outputName));
 */
export function metricTraceOptions(o: z.output<typeof classificationOptionsSchema>, outputs: string | string[]): TraceOptions {
  return {
    inputs: [o.trueKey, o.predKey, ...(o.maskKey ? [o.maskKey] : [])],
    outputs,
    mode: o.mode,
    ...(o.dsId !== undefined ? { dsId: o.dsId } : {}),
  };
}
