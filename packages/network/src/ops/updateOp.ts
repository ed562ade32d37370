import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, OpError, modeSpecSchema, dsIdSpecSchema, parseOptions, type UpdateSig } from '@fets/pipeline';
import { getOptimizer, isBuilt } from '../build.js';
import { isModel, trainableVariables, type Model } from '../model.js';
import { TensorOp } from './tensorOp.js';
import type { StepState } from '../stepState.js';
import { getWorld } from '../distributed/world.js';
import { allreduceMean } from '../distributed/fusion.js';

const updateSchema = z.strictObject({
  /** The model to train (made by `build`; must also run in a `ModelOp` of the same Network). */
  model: z.custom<Model>((v) => isModel(v), 'expected a tf.LayersModel or a FunctionModel'),
  /** Key of the scalar loss to minimise. */
  lossName: z.string().min(1),
  /** Modes it runs in; default `'train'`. */
  mode: modeSpecSchema.optional().default('train'),
  /** Data sets it runs for; default all. */
  dsId: dsIdSpecSchema.optional(),
  /** Accumulate gradients over this many steps and apply their mean (default 1: every step). */
  mergeGrad: z.number().int().min(1).default(1),
  /** Clip gradients by their global norm to at most this value before applying. */
  clipNorm: z.number().positive().optional(),
  /** Apply the update at the end of the step rather than when the op is reached (trailing UpdateOps always defer). */
  defer: z.boolean().default(false),
  /** Skip (and count) updates whose loss is NaN/±Inf instead of throwing; default: the Network's `skipNonFinite`. */
  skipNonFinite: z.boolean().optional(),
});

/** Options of {@link UpdateOp}. */
export type UpdateOpOptions = z.input<typeof updateSchema>;

/**
 * The loss of an UpdateOp was NaN or infinite. Carries the step, the epoch and the value.
 *
 * @example
 * // NonFiniteLossError: UpdateOp (key "loss"): loss of model "bert" is NaN at step 12 (epoch 1, mode train) ...
 */
export class NonFiniteLossError extends OpError {
  /** Inputs of the step that held NaN/±Inf (filled by the Network), the likely cause. */
  nonFiniteInputs: readonly NonFiniteInput[] = [];

  constructor(
    op: string,
    key: string,
    readonly step: number,
    readonly epoch: number,
    readonly value: number,
    modelName: string,
    mode: string,
  ) {
    super(
      op,
      key,
      `loss of model "${modelName}" is ${value} at step ${step} (epoch ${epoch}, mode ${mode}): expected a finite number; ` +
        'lower the learning rate, check inputs and labels, or pass skipNonFinite: true to skip such steps',
    );
  }

  /** Records the non-finite inputs found and names them in the message (once). Returns the error. */
  noteInputs(found: readonly NonFiniteInput[]): this {
    if (found.length === 0 || this.nonFiniteInputs.length > 0) return this;
    this.nonFiniteInputs = found;
    const old = this.message;
    const parts = found.map((f) => {
      const at = unravel(f.index, f.shape);
      return `input "${f.key}" holds ${f.value} at [${at.join(', ')}] (${f.count} non-finite of ${f.shape.reduce((a, b) => a * b, 1)})`;
    });
    this.message = `${old}. Cause: ${parts.join('; ')}`;
    if (this.stack?.includes(old)) this.stack = this.stack.replace(old, this.message);
    return this;
  }
}

/** An input tensor of a step that held a non-finite value: key, first flat index, its value, how many, the shape. */
export interface NonFiniteInput {
  key: string;
  index: number;
  value: number;
  count: number;
  shape: number[];
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return out;
}

/** What an UpdateOp did in one step. */
export type UpdateOutcome = 'applied' | 'accumulated' | 'skipped' | 'warmup';

/**
 * Minimises a loss key by updating one model's trainable variables with the model's optimizer (FastEstimator's
 * `UpdateOp`). The Network computes the gradients (see `Network`); this op holds the policy: `mergeGrad` accumulation
 * (mean of N steps' gradients, applied every N-th step), `clipNorm` (global-norm clipping of the applied gradient),
 * non-finite loss handling, and no update during warm-up.
 *
 * @example
 * new UpdateOp({ model, lossName: 'loss', clipNorm: 1.0 });
 */
export class UpdateOp<const O extends UpdateOpOptions = UpdateOpOptions> extends TensorOp {
  declare readonly '~sig': UpdateSig<O>;
  /** Compile time only: the loss key, which an op of the same Network must write. */
  declare readonly '~loss': O['lossName'];
  readonly model: Model;
  readonly lossName: string;
  readonly mergeGrad: number;
  readonly clipNorm: number | undefined;
  readonly defer: boolean;
  readonly skipNonFinite: boolean | undefined;
  /** Steps whose update was skipped because the loss was not finite. */
  skippedSteps = 0;
  /** Updates applied to the model so far. */
  appliedUpdates = 0;
  private accum: Map<string, tf.Variable> | undefined;
  private accumCount = 0;

  constructor(options: O) {
    const o = parseOptions(new.target.name, updateSchema, options);
    super({ inputs: o.lossName, mode: o.mode, dsId: o.dsId ?? null });
    this.model = o.model;
    this.lossName = o.lossName;
    this.mergeGrad = o.mergeGrad;
    this.clipNorm = o.clipNorm;
    this.defer = o.defer;
    this.skipNonFinite = o.skipNonFinite;
    if (!isBuilt(o.model)) {
      throw new ConfigError('UpdateOp', [], `UpdateOp: model "${o.model.name}" was not created by build(); use build(() => model, 'adam')`);
    }
  }

  /** Checks the loss is a scalar tensor and returns it (the value the gradient is taken of). */
  override forward(loss: unknown, _state?: StepState): tf.Scalar {
    if (!(loss instanceof tf.Tensor)) {
      throw new OpError(
        this.name,
        this.lossName,
        `expected a scalar loss tensor, received ${loss === undefined ? 'undefined (key missing)' : typeof loss}`,
      );
    }
    if (loss.rank !== 0) {
      throw new OpError(this.name, this.lossName, `expected a scalar loss (averageLoss: true), received shape [${loss.shape.join(', ')}]`);
    }
    return loss as tf.Scalar;
  }

  /** The variables this op updates: the model's trainable variables, in their fixed order. */
  variables(): tf.Variable[] {
    return trainableVariables(this.model);
  }

  /**
   * Decides what to do with one step's gradients (disposing them unless they are applied later):
   * non-finite loss → throw {@link NonFiniteLossError} or skip; warm-up → drop; else returns a function that applies
   * them (immediately or at the end of the step, as the Network decides) and one that drops them instead.
   */
  async prepare(
    lossValue: number,
    grads: tf.NamedTensorMap,
    state: StepState,
    skipNonFinite: boolean,
    modelName: string,
  ): Promise<{ outcome: UpdateOutcome; apply?: () => UpdateOutcome; discard?: () => void }> {
    // Data-parallel: a non-finite loss on any rank skips (or stops) the update on every rank, so all stay in step.
    const world = getWorld();
    const anyNonFinite = world.size > 1 ? world.sum([Number.isFinite(lossValue) ? 0 : 1])[0]! > 0 : !Number.isFinite(lossValue);
    if (anyNonFinite) {
      tf.dispose(grads);
      if (this.skipNonFinite ?? skipNonFinite) {
        this.skippedSteps += 1;
        return { outcome: 'skipped' };
      }
      if (Number.isFinite(lossValue)) {
        // Another rank's loss was not finite: that rank reports it; this one stops without a second message.
        this.skippedSteps += 1;
        return { outcome: 'skipped' };
      }
      throw new NonFiniteLossError(this.name, this.lossName, state.step, state.epoch, lossValue, modelName, state.mode);
    }
    if (state.warmup) {
      tf.dispose(grads);
      return { outcome: 'warmup' };
    }
    return { outcome: 'applied', apply: () => this.applyGradients(grads), discard: () => tf.dispose(grads) };
  }

  /**
   * Applies (or accumulates, with `mergeGrad`) gradients keyed by variable name, then disposes them.
   * Returns whether the model changed.
   */
  applyGradients(grads: tf.NamedTensorMap): UpdateOutcome {
    const vars = this.variables();
    let final: (tf.Tensor | null)[];
    if (this.mergeGrad > 1) {
      try {
        if (!this.accum) this.accum = new Map(vars.map((v) => [v.name, tf.zerosLike(v).variable(false)]));
        for (const v of vars) {
          const g = grads[v.name];
          if (g) {
            const acc = this.accum.get(v.name)!;
            tf.tidy(() => acc.assign(tf.add(acc, g)));
          }
        }
        this.accumCount += 1;
        if (this.accumCount < this.mergeGrad) return 'accumulated';
        final = vars.map((v) => tf.div(this.accum!.get(v.name)!, this.mergeGrad));
        for (const acc of this.accum.values()) tf.tidy(() => acc.assign(tf.zerosLike(acc)));
        this.accumCount = 0;
      } finally {
        tf.dispose(grads);
      }
    } else {
      // The gradients themselves go to the optimizer (no copy); those of variables this op does not train are freed.
      final = vars.map((v) => grads[v.name] ?? null);
      const used = new Set(final);
      tf.dispose(Object.values(grads).filter((g) => !used.has(g)));
    }
    // Data-parallel: every rank's gradient becomes the mean over the ranks (fused allreduce) before clipping.
    const world = getWorld();
    if (world.size > 1) {
      const mean = allreduceMean(world, final);
      tf.dispose(final.filter((g): g is tf.Tensor => g !== null));
      final = mean;
    }
    if (this.clipNorm !== undefined) {
      const clipped = clipByGlobalNorm(final, this.clipNorm);
      tf.dispose(final.filter((g): g is tf.Tensor => g !== null));
      final = clipped;
    }
    const map: Record<string, tf.Tensor | null> = {};
    vars.forEach((v, i) => (map[v.name] = final[i]!));
    try {
      getOptimizer(this.model).applyGradients(map as tf.NamedTensorMap);
    } finally {
      tf.dispose(final.filter((g): g is tf.Tensor => g !== null));
    }
    this.appliedUpdates += 1;
    return 'applied';
  }

  /** Frees the gradient accumulators (mergeGrad > 1). */
  dispose(): void {
    if (this.accum) for (const v of this.accum.values()) v.dispose();
    this.accum = undefined;
    this.accumCount = 0;
  }
}

/**
 * Scales gradients so that their global norm √(Σ‖g‖²) is at most `clipNorm` (TensorFlow's `clip_by_global_norm`).
 * Returns new tensors (nulls stay null).
 *
 * @example
 * const [ga, gb] = clipByGlobalNorm([a, b], 1.0);
 */
export function clipByGlobalNorm(grads: (tf.Tensor | null)[], clipNorm: number): (tf.Tensor | null)[] {
  const present = grads.filter((g): g is tf.Tensor => g !== null);
  if (present.length === 0) return grads.map(() => null);
  const scaled = tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    return present.map((g) => tf.mul(g, scale));
  });
  let j = 0;
  return grads.map((g) => (g === null ? null : scaled[j++]!));
}
