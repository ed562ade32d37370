import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { dsIdSpecSchema, modeSpecSchema, parseOptions } from '@fets/pipeline';
import { isModel, namedVariables, type Model } from '@fets/network';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { lineWriterSchema, resolveWriter, type LineWriter } from '../io/lineWriter.js';
import { improves, monitoredValue, worst, type CompareMode } from './compare.js';
import { decodeNumbers, encodeNumbers } from '../io/traceState.js';
import type { QuietSig } from '../../core/traceKeys.js';

const schema = z
  .strictObject({
    /** Key to watch at each epoch end (default 'loss'). */
    monitor: z.string().min(1).default('loss'),
    /** Smallest change that counts as an improvement (its absolute value is used). */
    minDelta: z.number().default(0),
    /** Epochs without improvement to wait before stopping. */
    patience: z.number().int().min(0).default(0),
    /** 'min' (default): lower is better; 'max': higher is better (accuracy, f1). */
    compareMode: z.enum(['min', 'max']).default('min'),
    /** Value to beat from the start (default: none). */
    baseline: z.number().optional(),
    /** Keep a copy of the best epoch's weights and put them back into `model` when training ends. */
    restoreBestWeights: z.boolean().default(false),
    /** The model whose weights `restoreBestWeights` keeps. */
    model: z.custom<Model>(isModel, 'expected a tf.LayersModel or a FunctionModel').optional(),
    /** Modes the check runs in (default 'eval', as in FastEstimator). */
    mode: modeSpecSchema.default('eval'),
    /** Data sets the check runs for. */
    dsId: dsIdSpecSchema.optional(),
    /** Where the stop notice is printed (default standard output). */
    write: lineWriterSchema,
  })
  .refine((o) => !o.restoreBestWeights || o.model !== undefined, { message: 'restoreBestWeights needs the model', path: ['model'] });

/** Options of {@link EarlyStopping}. */
export type EarlyStoppingOptions = z.input<typeof schema>;

/**
 * Stops training when a monitored value stops improving (FastEstimator's EarlyStopping, Keras semantics). At each
 * epoch end (of `mode`, default eval) the value improves when it beats the best so far by more than `minDelta`
 * (`current + |minDelta| < best` for 'min', `current - |minDelta| > best` for 'max'; the first best is `baseline` or
 * ±∞); otherwise a counter grows and at `patience` it sets `system.stopTraining = true` and prints
 * `FastEstimator-EarlyStopping: 'loss' triggered an early stop. Its best value was … at epoch …`.
 *
 * Keys in (epoch end): `monitor`. Out: none.
 *
 * @example
 * new EarlyStopping({ monitor: 'f1', compareMode: 'max', patience: 3 });
 */
export class EarlyStopping extends Trace {
  declare readonly '~sig': QuietSig;
  override readonly options: Omit<z.output<typeof schema>, 'write'>;
  private readonly write: LineWriter;
  /** Best value so far. */
  best = Infinity;
  /** Epoch at which `best` was seen (0 before any). */
  bestEpoch = 0;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epoch at which training was stopped, if it was. */
  stoppedEpoch: number | undefined;
  private snapshot: Map<string, tf.Tensor> | undefined;

  constructor(options: EarlyStoppingOptions = {}) {
    const { write, ...o } = parseOptions(new.target.name, schema, options);
    super({ inputs: o.monitor, mode: o.mode, ...(o.dsId !== undefined ? { dsId: o.dsId } : {}) });
    this.options = o;
    this.write = resolveWriter(write);
  }

  /** Reads the monitored key only at epoch ends: nothing to fetch per batch. */
  override batchInputs(): readonly string[] {
    return [];
  }

  override onBegin(): void {
    this.wait = 0;
    this.bestEpoch = 0;
    this.stoppedEpoch = undefined;
    this.best = this.options.baseline ?? worst(this.options.compareMode);
    this.dropSnapshot();
    this.applyPendingState();
  }

  #pending: unknown;

  /** Progress saved with a RestoreWizard checkpoint. */
  getState(): Record<string, number | string> {
    return encodeNumbers({ best: this.best, bestEpoch: this.bestEpoch, wait: this.wait });
  }

  /** Takes progress restored from a checkpoint; applied when the run begins (after onBegin's reset). */
  setState(state: unknown): void {
    this.#pending = state;
  }

  private applyPendingState(): void {
    Object.assign(this, decodeNumbers(this.#pending, ['best', 'bestEpoch', 'wait'] as const));
    this.#pending = undefined;
  }

  override onEpochEnd(data: Data): void {
    const o = this.options;
    const current = monitoredValue('EarlyStopping', data, o.monitor);
    if (current === undefined) return;
    if (improves(o.compareMode as CompareMode, current, this.best, o.minDelta)) {
      this.best = current;
      this.bestEpoch = this.system.epoch;
      this.wait = 0;
      if (o.restoreBestWeights) this.takeSnapshot();
      return;
    }
    this.wait++;
    if (this.wait >= o.patience && !this.system.stopTraining) {
      this.system.stopTraining = true;
      this.stoppedEpoch = this.system.epoch;
      this.write(
        `FastEstimator-EarlyStopping: '${o.monitor}' triggered an early stop. Its best value was ${this.best} at epoch ${this.bestEpoch}`,
      );
    }
  }

  override onEnd(): void {
    if (!this.snapshot || !this.options.model) return;
    const vars = namedVariables(this.options.model);
    for (const [name, t] of this.snapshot) vars.get(name)?.assign(t);
    this.write(`FastEstimator-EarlyStopping: restored the weights of epoch ${this.bestEpoch} ('${this.options.monitor}' = ${this.best})`);
    this.dropSnapshot();
  }

  private takeSnapshot(): void {
    this.dropSnapshot();
    const vars = namedVariables(this.options.model!);
    this.snapshot = new Map([...vars].map(([name, v]) => [name, tf.keep(v.clone())]));
  }

  private dropSnapshot(): void {
    this.snapshot?.forEach((t) => t.dispose());
    this.snapshot = undefined;
  }
}
