import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { getLearningRate, getModelName, isModel, setLearningRate, type Model } from '@fets/network';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { ScheduleError, type LrFn, type ScheduleContext } from '../../schedule/lrSchedules.js';
import type { QuietWrites } from '../../core/traceKeys.js';

const schema = z.strictObject({
  /** The model (built with `build`) whose optimizer's learning rate is set. */
  model: z.custom<Model>(isModel, 'expected a tf.LayersModel or a FunctionModel made by build()'),
  /** Schedule: 1-based global step (or epoch, with `by: 'epoch'`) → learning rate. */
  lrFn: z.custom<LrFn>((v) => typeof v === 'function', 'expected a function (step) => learning rate'),
  /** Call `lrFn` with the global step before every training step (default) or with the epoch before every epoch. */
  by: z.enum(['step', 'epoch']).default('step'),
  /** Training steps of the whole run, for schedules that need it (default: epochs × the Estimator's trainStepsPerEpoch). */
  totalSteps: z.number().int().min(1).optional(),
});

/** Options of {@link LRScheduler}. */
export type LRSchedulerOptions = z.input<typeof schema>;

/**
 * Sets a model's learning rate from a schedule during training (FastEstimator's LRScheduler): `lrFn(globalStep)`
 * before each training step (`by: 'step'`, steps 1-based) or `lrFn(epoch)` before each training epoch
 * (`by: 'epoch'`), and logs `${modelName}_lr` at the Logger's steps. Ready schedules: `linearWarmupDecay`,
 * `cosineDecay`; those given no `totalSteps` receive the run's total here (an unknown total fails in `onBegin`,
 * before any step).
 *
 * Keys out: `${modelName}_lr`.
 *
 * @example
 * new LRScheduler({ model, lrFn: linearWarmupDecay({ warmup: 0.1, peak: 1e-3 }), totalSteps: 8 * 250 });
 * new LRScheduler({ model, lrFn: (epoch) => 1e-3 * 0.5 ** (epoch - 1), by: 'epoch' });
 */
export class LRScheduler extends Trace {
  declare readonly '~sig': QuietWrites<[`${string}_lr`]>;
  readonly model: Model;
  readonly lrFn: LrFn;
  readonly by: 'step' | 'epoch';
  private readonly totalStepsOption: number | undefined;
  private context: ScheduleContext = {};

  constructor(options: LRSchedulerOptions) {
    const o = parseOptions(new.target.name, schema, options);
    super({ mode: 'train', outputs: `${getModelName(o.model)}_lr` });
    this.model = o.model;
    this.lrFn = o.lrFn;
    this.by = o.by;
    this.totalStepsOption = o.totalSteps;
  }

  override onBegin(): void {
    const s = this.system;
    const perEpoch = s.state.trainStepsPerEpoch;
    const total =
      this.by === 'epoch' ? s.totalEpochs : (this.totalStepsOption ?? (perEpoch !== undefined ? perEpoch * s.totalEpochs : undefined));
    this.context = { totalSteps: total };
    if (this.lrFn.requiresTotalSteps && total === undefined) {
      throw new ScheduleError(
        `LRScheduler: the schedule of model "${getModelName(this.model)}" needs the run's total steps, which is unknown: ` +
          "pass LRScheduler({ totalSteps }), or totalSteps to the schedule, or set the Estimator's trainStepsPerEpoch",
      );
    }
  }

  private apply(at: number): void {
    const lr = this.lrFn(at, this.context);
    if (!Number.isFinite(lr) || lr < 0) {
      throw new ScheduleError(
        `LRScheduler: lrFn(${at}) returned ${lr} for model "${getModelName(this.model)}": expected a finite number >= 0`,
      );
    }
    setLearningRate(this.model, lr);
  }

  override onEpochBegin(): void {
    if (this.by === 'epoch') this.apply(this.system.epoch);
  }

  override onBatchBegin(): void {
    if (this.by === 'step') this.apply(this.system.globalStep);
  }

  override onBatchEnd(data: Data): void {
    if (this.system.shouldLog()) data.writeWithLog(this.outputs[0]!, getLearningRate(this.model));
  }
}
