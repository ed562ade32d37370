import { z } from 'zod';
import { FetsError, parseOptions } from '@fets/pipeline';

/** What an LR schedule may need besides the step: the run's total number of training steps. */
export interface ScheduleContext {
  /** Training steps of the whole run (epochs × steps per epoch), when known. */
  readonly totalSteps?: number | undefined;
}

/**
 * A learning-rate schedule: 1-based global step (or epoch) → learning rate. Schedules built here also carry
 * `requiresTotalSteps` when they need the run length and were not given `totalSteps` (the LRScheduler then supplies it).
 */
export type LrFn = ((step: number, context?: ScheduleContext) => number) & { readonly requiresTotalSteps?: boolean };

/** A schedule needs the run length but neither its options nor the LRScheduler know it. */
export class ScheduleError extends FetsError {}

const warmupSchema = z
  .number()
  .min(0)
  .refine((w) => w < 1 || Number.isInteger(w), 'expected a fraction in [0, 1) or a whole number of steps');

const linearSchema = z.strictObject({
  /** Warm-up length: a fraction of totalSteps in [0, 1) (0.1 = 10%), or a whole number of steps. */
  warmup: warmupSchema.default(0),
  /** Learning rate at the end of the warm-up. */
  peak: z.number().positive(),
  /** Training steps of the run; if absent, the LRScheduler passes the run's total. */
  totalSteps: z.number().int().min(1).optional(),
  /** Learning rate reached at totalSteps (and kept after). */
  end: z.number().min(0).default(0),
});
/** Options of {@link linearWarmupDecay}. */
export type LinearWarmupDecayOptions = z.input<typeof linearSchema>;

const cosineSchema = linearSchema.omit({ end: true }).extend({
  /** Learning rate reached at totalSteps (and kept after). */
  min: z.number().min(0).default(0),
});
/** Options of {@link cosineDecay}. */
export type CosineDecayOptions = z.input<typeof cosineSchema>;

function resolveTotal(owner: string, own: number | undefined, context: ScheduleContext | undefined): number {
  const t = own ?? context?.totalSteps;
  if (t === undefined) {
    throw new ScheduleError(
      `${owner}: totalSteps is unknown: pass totalSteps to ${owner}, or give LRScheduler totalSteps, or set the Estimator's trainStepsPerEpoch`,
    );
  }
  return t;
}

/** Warm-up steps from a fraction or a count. */
export function warmupSteps(warmup: number, totalSteps: number): number {
  return warmup < 1 ? Math.floor(warmup * totalSteps) : warmup;
}

/**
 * BERT's schedule (Hugging Face `get_linear_schedule_with_warmup`): the learning rate rises linearly from 0 to `peak`
 * over the warm-up, then falls linearly to `end` at `totalSteps`. With s = step − 1 (steps completed before this one)
 * and W warm-up steps: `peak · s / W` while s < W, else `end + (peak − end) · max(0, (T − s) / (T − W))`.
 *
 * @example
 * const lrFn = linearWarmupDecay({ warmup: 0.1, peak: 1e-3, totalSteps: 1000 });
 * lrFn(1);   // 0
 * lrFn(101); // 1e-3
 * lrFn(551); // 5e-4
 */
export function linearWarmupDecay(options: LinearWarmupDecayOptions): LrFn {
  const o = parseOptions('linearWarmupDecay', linearSchema, options);
  const fn = (step: number, context?: ScheduleContext): number => {
    const total = resolveTotal('linearWarmupDecay', o.totalSteps, context);
    const w = warmupSteps(o.warmup, total);
    const s = step - 1;
    if (s < w) return (o.peak * s) / Math.max(1, w);
    return o.end + (o.peak - o.end) * Math.max(0, (total - s) / Math.max(1, total - w));
  };
  return Object.assign(fn, { requiresTotalSteps: o.totalSteps === undefined });
}

/**
 * Linear warm-up then half a cosine from `peak` down to `min` at `totalSteps` (Hugging Face
 * `get_cosine_schedule_with_warmup` with a floor): with s = step − 1, `peak · s / W` while s < W, else
 * `min + (peak − min) · (1 + cos(π · p)) / 2` where p = min(1, (s − W) / (T − W)).
 *
 * @example
 * const lrFn = cosineDecay({ warmup: 100, peak: 1e-3, totalSteps: 1100, min: 1e-5 });
 * lrFn(601); // (1e-3 + 1e-5) / 2
 */
export function cosineDecay(options: CosineDecayOptions): LrFn {
  const o = parseOptions('cosineDecay', cosineSchema, options);
  const fn = (step: number, context?: ScheduleContext): number => {
    const total = resolveTotal('cosineDecay', o.totalSteps, context);
    const w = warmupSteps(o.warmup, total);
    const s = step - 1;
    if (s < w) return (o.peak * s) / Math.max(1, w);
    const p = Math.min(1, (s - w) / Math.max(1, total - w));
    return o.min + ((o.peak - o.min) * (1 + Math.cos(Math.PI * p))) / 2;
  };
  return Object.assign(fn, { requiresTotalSteps: o.totalSteps === undefined });
}
