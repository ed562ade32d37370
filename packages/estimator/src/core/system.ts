import type { NetworkLike } from './networkLike.js';
import { getWorld, type World } from '@fets/network';
import { produce, freeze } from 'immer';
import type { Mode } from '@fets/pipeline';
import { Summary } from '../summary/summary.js';

/** The loop's state, frozen: traces read it through `System` and request changes through its methods. */
export interface SystemState {
  /** Current mode ('train', 'eval', 'test'). */
  readonly mode: Mode;
  /** Current epoch, 1-based (0 before training starts). */
  readonly epoch: number;
  /** Training steps completed so far (the step counter logs use), 1-based once a step has run. */
  readonly globalStep: number;
  /** Index of the current batch within the epoch, 0-based. */
  readonly batchIdx: number;
  /** Set to stop training after the current step; the final traces still run. */
  readonly stopTraining: boolean;
  /** Log every this many training steps (0: only at epoch ends). */
  readonly logSteps: number;
  /** Epochs requested. */
  readonly totalEpochs: number;
  /** Data-set id being processed ('' for a single data set). */
  readonly dsId: string;
  /** Steps per training epoch: the Estimator's trainStepsPerEpoch, else one pass over the data (undefined if unknown). */
  readonly trainStepsPerEpoch: number | undefined;
  /** Steps per evaluation epoch if capped, else undefined. */
  readonly evalStepsPerEpoch: number | undefined;
  /** Name of the experiment (the Summary's name). */
  readonly experimentName: string;
  /** Whether fit() evaluates after each training epoch. */
  readonly hasEval: boolean;
  /**
   * Milliseconds the loop has waited for the Pipeline's batches in the current epoch of the current mode (the
   * current batch's wait included; at `onEpochEnd`, the whole epoch's, the final end-of-data wait included).
   */
  readonly dataWaitMs: number;
}

/**
 * The training loop's state (FastEstimator's System), kept immutable with immer. Traces read fields; the only
 * change a trace may request is stopping (`system.stopTraining = true` or `system.requestStop()`); the Estimator
 * advances the rest. Assigning any other field throws.
 *
 * @example
 * class StopAt100 extends Trace { onBatchEnd() { if (this.system.globalStep >= 100) this.system.stopTraining = true; } }
 */
export class System {
  private current: SystemState;
  /** What the run has logged so far (`summary.history[mode][key].get(step)`). */
  readonly summary: Summary;
  /** The Network being run (set by the Estimator; traces such as RestoreWizard reach the models through it). */
  network: NetworkLike | undefined = undefined;

  /** The ranks of a data-parallel job (a world of one without mpirun): `world.isChief` is the rank that writes files. */
  get world(): World {
    return getWorld();
  }

  constructor(init: Partial<SystemState> & Pick<SystemState, 'totalEpochs'>, summary?: Summary) {
    this.summary = summary ?? new Summary(init.experimentName ?? 'experiment');
    this.current = freeze(
      {
        mode: 'train',
        epoch: 0,
        globalStep: 0,
        batchIdx: 0,
        stopTraining: false,
        logSteps: 100,
        dsId: '',
        trainStepsPerEpoch: undefined,
        evalStepsPerEpoch: undefined,
        experimentName: 'experiment',
        hasEval: false,
        dataWaitMs: 0,
        ...init,
      },
      true,
    );
  }

  /** A frozen snapshot of every field. */
  get state(): SystemState {
    return this.current;
  }
  get mode(): Mode {
    return this.current.mode;
  }
  get epoch(): number {
    return this.current.epoch;
  }
  get globalStep(): number {
    return this.current.globalStep;
  }
  get batchIdx(): number {
    return this.current.batchIdx;
  }
  get logSteps(): number {
    return this.current.logSteps;
  }
  get totalEpochs(): number {
    return this.current.totalEpochs;
  }
  get dsId(): string {
    return this.current.dsId;
  }
  get experimentName(): string {
    return this.current.experimentName;
  }
  /** Milliseconds waited for the Pipeline in the current epoch (see {@link SystemState.dataWaitMs}). */
  get dataWaitMs(): number {
    return this.current.dataWaitMs;
  }
  get stopTraining(): boolean {
    return this.current.stopTraining;
  }
  /** Only `true` may be set: training stops after the current step. */
  set stopTraining(value: boolean) {
    if (value !== true) throw new TypeError('System.stopTraining can only be set to true (a stop cannot be withdrawn)');
    this.requestStop();
  }

  /** Requests that training stop after the current step (the final traces still run). */
  requestStop(): void {
    this.current = produce(this.current, (d) => {
      d.stopTraining = true;
    });
  }

  /** True when this step is one the Logger reports (every `logSteps` training steps, and the first). */
  shouldLog(): boolean {
    const { logSteps, globalStep, mode } = this.current;
    return mode === 'train' && logSteps > 0 && (globalStep === 1 || globalStep % logSteps === 0);
  }

  /**
   * Continues a run from a checkpoint (used by RestoreWizard in `onBegin`): the loop resumes after `epoch`, the step
   * counter at `globalStep`, and the history of the saved run is restored.
   */
  restore(state: { epoch: number; globalStep: number; history?: Summary }): void {
    this.current = produce(this.current, (d) => {
      d.epoch = state.epoch;
      d.globalStep = state.globalStep;
    });
    if (state.history) {
      for (const k of Object.keys(this.summary.history)) delete this.summary.history[k as Mode];
      Object.assign(this.summary.history, state.history.history);
    }
  }

  /** @internal Advances the state (the Estimator's only door). */
  update(recipe: (draft: { -readonly [K in keyof SystemState]: SystemState[K] }) => void): void {
    this.current = produce(this.current, recipe);
  }
}
