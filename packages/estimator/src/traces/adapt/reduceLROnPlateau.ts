import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { getLearningRate, getModelName, isModel, setLearningRate, type Model } from '@fets/network';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { lineWriterSchema, resolveWriter, type LineWriter } from '../io/lineWriter.js';
import { improves, monitoredValue, worst } from './compare.js';
import { decodeNumbers, encodeNumbers } from '../io/traceState.js';
import type { QuietWrites } from '../../core/traceKeys.js';

const schema = z.strictObject({
  /** The model (built with `build`) whose learning rate is reduced. */
  model: z.custom<Model>(isModel, 'expected a tf.LayersModel or a FunctionModel made by build()'),
  /** Key watched at each eval epoch end (default 'loss'). */
  metric: z.string().min(1).default('loss'),
  /** Eval epochs without improvement before reducing. */
  patience: z.number().int().min(1).default(10),
  /** Multiplier applied to the learning rate. */
  factor: z.number().gt(0).lt(1).default(0.1),
  /** 'min' (default): lower is better; 'max': higher is better. */
  compareMode: z.enum(['min', 'max']).default('min'),
  /** The learning rate never goes below this. */
  minLr: z.number().min(0).default(1e-6),
  /** Where the notice is printed (default standard output). */
  write: lineWriterSchema,
});

/** Options of {@link ReduceLROnPlateau}. */
export type ReduceLROnPlateauOptions = z.input<typeof schema>;

/**
 * Divides the learning rate when a metric stops improving (FastEstimator's ReduceLROnPlateau): at each eval epoch end,
 * if `metric` did not beat its best for `patience` epochs, the rate becomes `max(minLr, factor · lr)`, the counter
 * restarts, `${modelName}_lr` is logged and `FastEstimator-ReduceLROnPlateau: learning rate reduced to …` printed.
 *
 * Keys in (epoch end): `metric`. Out: `${modelName}_lr` when reduced.
 *
 * @example
 * new ReduceLROnPlateau({ model, metric: 'f1', compareMode: 'max', patience: 2, factor: 0.5 });
 */
export class ReduceLROnPlateau extends Trace {
  declare readonly '~sig': QuietWrites<[`${string}_lr`]>;
  override readonly options: Omit<z.output<typeof schema>, 'write'>;
  private readonly write: LineWriter;
  /** Best value so far. */
  best = Infinity;
  /** Eval epochs since the last improvement or reduction. */
  wait = 0;

  constructor(options: ReduceLROnPlateauOptions) {
    const { write, ...o } = parseOptions(new.target.name, schema, options);
    super({ inputs: o.metric, outputs: `${getModelName(o.model)}_lr`, mode: 'eval' });
    this.options = o;
    this.write = resolveWriter(write);
  }

  /** Reads the metric only at epoch ends: nothing to fetch per batch. */
  override batchInputs(): readonly string[] {
    return [];
  }

  override onBegin(): void {
    this.best = worst(this.options.compareMode);
    this.wait = 0;
    this.applyPendingState();
  }

  #pending: unknown;

  /** Progress saved with a RestoreWizard checkpoint. */
  getState(): Record<string, number | string> {
    return encodeNumbers({ best: this.best, wait: this.wait });
  }

  /** Takes progress restored from a checkpoint; applied when the run begins (after onBegin's reset). */
  setState(state: unknown): void {
    this.#pending = state;
  }

  private applyPendingState(): void {
    Object.assign(this, decodeNumbers(this.#pending, ['best', 'wait'] as const));
    this.#pending = undefined;
  }

  override onEpochEnd(data: Data): void {
    const o = this.options;
    const current = monitoredValue('ReduceLROnPlateau', data, o.metric);
    if (current === undefined) return;
    if (improves(o.compareMode, current, this.best)) {
      this.best = current;
      this.wait = 0;
      return;
    }
    this.wait++;
    if (this.wait < o.patience) return;
    const lr = Math.max(o.minLr, Math.fround(o.factor * getLearningRate(o.model)));
    setLearningRate(o.model, lr);
    this.wait = 0;
    data.writeWithLog(this.outputs[0]!, lr);
    this.write(`FastEstimator-ReduceLROnPlateau: learning rate reduced to ${lr}`);
  }
}
