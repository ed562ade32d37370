import type { Mode } from '@fets/pipeline';

/**
 * Where a Network step runs: what every TensorOp's `forward(data, state)` sees besides its inputs, and what the
 * Estimator hands the Network for each batch (as a {@link StepStateInput}, completed by {@link makeStepState}).
 *
 * @example
 * class Noise extends TensorOp {
 *   forward(x: tf.Tensor, state: StepState) { return state.mode === 'train' ? x.add(tf.randomNormal(x.shape)) : x; }
 * }
 */
export interface StepState {
  /** Current mode. */
  readonly mode: Mode;
  /** Current epoch (1-based; 0 outside fit, e.g. `network.transform`). */
  readonly epoch: number;
  /** Global step (1-based; 0 outside fit). */
  readonly step: number;
  /** True during the Estimator's warm-up pass: gradients are computed but not applied. */
  readonly warmup: boolean;
  /** Data-set id of the batch ('' for a single data set). */
  readonly dsId: string;
  /** Random numbers in [0, 1) for meta ops (`Sometimes`, `OneOf`). */
  readonly random: () => number;
  /**
   * Skip (and count) updates whose loss is NaN/±Inf instead of throwing, for UpdateOps without their own
   * `skipNonFinite`; undefined: the Network's option. The Estimator sets it when a TerminateOnNaN trace watches the run,
   * so that trace stops training with the weights of the last finite step.
   */
  readonly skipNonFinite: boolean | undefined;
}

/** A step state as callers give it: the mode, and any of the rest (see {@link makeStepState} for the defaults). */
export type StepStateInput = Partial<StepState> & { readonly mode: Mode };

/**
 * Completes a step state: epoch 0, step 0, no warm-up, data set '', `Math.random`, `skipNonFinite` undefined, unless
 * given (in `s`, else in `defaults`).
 *
 * @example
 * makeStepState({ mode: 'eval', epoch: 2 });   // { mode: 'eval', epoch: 2, step: 0, warmup: false, dsId: '', ... }
 */
export function makeStepState(s: StepStateInput, defaults: Partial<StepState> = {}): StepState {
  return {
    mode: s.mode,
    epoch: s.epoch ?? defaults.epoch ?? 0,
    step: s.step ?? defaults.step ?? 0,
    warmup: s.warmup ?? defaults.warmup ?? false,
    dsId: s.dsId ?? defaults.dsId ?? '',
    random: s.random ?? defaults.random ?? Math.random,
    skipNonFinite: s.skipNonFinite ?? defaults.skipNonFinite,
  };
}
