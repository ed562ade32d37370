import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, parseOptions } from '@fets/pipeline';
import { getModelName, isModel, namedVariables, type Model } from '@fets/network';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { improves, monitoredValue } from '../adapt/compare.js';
import { checkWritable, safeFileName } from './fileSafety.js';
import { lineWriterSchema, resolveWriter, type LineWriter } from './lineWriter.js';
import { nonFiniteWeight, saveModelWeights } from './modelWeights.js';
import { checkModelFolderSpec, modelFolderSpecSchema, saveModelFolder } from '../../modelFolder/saveModelFolder.js';
import type { QuietSig } from '../../core/traceKeys.js';

const schema = z.strictObject({
  /** The model (built with `build`) whose weights are averaged. */
  model: z.custom<Model>(isModel, 'expected a tf.LayersModel or a FunctionModel made by build()'),
  /** How many checkpoints are averaged (the last k, or the best k). */
  k: z.number().int().min(1),
  /**
   * Which checkpoints: 'last' (default): the weights at the end of the last k training epochs; 'best': the weights of
   * the k eval epochs with the best `metric`.
   */
  select: z.enum(['last', 'best']).default('last'),
  /** Key judged at each eval epoch end with `select: 'best'`. */
  metric: z.string().min(1).optional(),
  /** 'max' (default): higher `metric` is better; 'min': lower is. */
  saveBestMode: z.enum(['min', 'max']).default('max'),
  /** Directory of the averaged weights, `${modelName}_average.safetensors` (created if missing; checked at construction). */
  saveDir: z.string().min(1),
  /** Also write the averaged model as a model folder (default `${saveDir}/model`; see BestModelSaver's `modelFolder`). */
  modelFolder: modelFolderSpecSchema.optional(),
  /** Where the notices are printed (default standard output). */
  write: lineWriterSchema,
});

/** Options of {@link CheckpointAverage}. */
export type CheckpointAverageOptions = z.input<typeof schema>;

/** One kept checkpoint: its epoch, its score (best-k) and a copy of every weight. */
interface Snapshot {
  epoch: number;
  value: number;
  weights: Map<string, Float32Array>;
}

/**
 * Checkpoint averaging (fairseq's `average_checkpoints.py`, the habit of Hugging Face fine-tuning recipes): keeps
 * the weights of the last `k` training epochs (`select: 'last'`) or of the `k` eval epochs with the best `metric`
 * (`select: 'best'`), in memory, and when training ends puts their element-wise mean into the model (each weight's
 * mean computed in float64, stored as float32), writes it to `${saveDir}/${modelName}_average.safetensors` and, with
 * `modelFolder`, as a model folder. A test epoch after `fit()` then scores the averaged model. Epochs whose weights
 * hold NaN/±Inf are not kept. Do not combine it with a BestModelSaver's `loadBestFinal` (whichever ends last would
 * decide the final weights; the NER recipe turns `loadBestFinal` off with `--average`). The
 * kept weights live in memory (k copies of the model): a run resumed by RestoreWizard averages the epochs it trained
 * after the resume only.
 *
 * Keys: reads `metric` with `select: 'best'`.
 *
 * @example
 * new CheckpointAverage({ model, k: 3, select: 'best', metric: 'f1', saveDir: 'runs/ner-bert' });
 */
export class CheckpointAverage extends Trace {
  declare readonly '~sig': QuietSig;
  override readonly options: Omit<z.output<typeof schema>, 'write'>;
  private readonly write: LineWriter;
  /** The kept checkpoints: oldest first ('last'), best first ('best'). */
  kept: Snapshot[] = [];
  /** Epochs averaged at the end of the last run (empty before). */
  averagedEpochs: number[] = [];

  constructor(options: CheckpointAverageOptions) {
    const { write, ...o } = parseOptions(new.target.name, schema, options);
    if (o.select === 'best' && o.metric === undefined) {
      throw new ConfigError('CheckpointAverage', [], "CheckpointAverage: select 'best': metric is required (e.g. 'f1')");
    }
    super(o.select === 'best' ? { mode: 'eval', inputs: o.metric! } : { mode: 'train' });
    checkWritable(o.saveDir, 'CheckpointAverage', 'saveDir');
    if (o.modelFolder) checkModelFolderSpec(o.model, o.modelFolder, 'CheckpointAverage');
    this.options = o;
    this.write = resolveWriter(write);
  }

  /** The averaged weights' file. */
  get modelPath(): string {
    return path.join(this.options.saveDir, `${safeFileName(getModelName(this.options.model))}_average.safetensors`);
  }

  /** Reads the metric only at epoch ends: nothing to fetch per batch. */
  override batchInputs(): readonly string[] {
    return [];
  }

  override onBegin(): void {
    this.kept = [];
    this.averagedEpochs = [];
  }

  override async onEpochEnd(data: Data): Promise<void> {
    const o = this.options;
    const value = o.select === 'best' ? monitoredValue('CheckpointAverage', data, o.metric!) : 0;
    if (value === undefined) return;
    if (o.select === 'best' && this.kept.length === o.k && !improves(o.saveBestMode, value, this.kept[o.k - 1]!.value)) return;
    const bad = await nonFiniteWeight(o.model);
    if (bad) {
      this.write(`FastEstimator-CheckpointAverage: not keeping epoch ${this.system.epoch}: weight "${bad.name}" holds ${bad.value}`);
      return;
    }
    const weights = new Map<string, Float32Array>();
    for (const [name, v] of namedVariables(o.model)) weights.set(name, Float32Array.from((await v.data()) as Float32Array));
    const snap: Snapshot = { epoch: this.system.epoch, value, weights };
    if (o.select === 'last') {
      this.kept = [...this.kept, snap].slice(-o.k);
      return;
    }
    // Best first; a tie keeps the earlier epoch ahead (as BestModelSaver keeps its first best).
    const at = this.kept.findIndex((s) => improves(o.saveBestMode, value, s.value));
    this.kept.splice(at < 0 ? this.kept.length : at, 0, snap);
    this.kept = this.kept.slice(0, o.k);
  }

  override async onEnd(): Promise<void> {
    const o = this.options;
    if (this.kept.length === 0) return;
    const n = this.kept.length;
    tf.tidy(() => {
      for (const [name, v] of namedVariables(o.model)) {
        const size = v.size;
        const sum = new Float64Array(size);
        for (const s of this.kept) {
          const w = s.weights.get(name)!;
          for (let i = 0; i < size; i++) sum[i]! += w[i]!;
        }
        v.assign(
          tf.tensor(
            Float32Array.from(sum, (x) => x / n),
            v.shape,
            'float32',
          ),
        );
      }
    });
    this.averagedEpochs = this.kept.map((s) => s.epoch).sort((a, b) => a - b);
    this.kept = [];
    const which = o.select === 'best' ? `best ${n} by ${o.metric}` : `last ${n}`;
    if (!this.system.world.isChief) return;
    await saveModelWeights(o.model, this.modelPath, { format: 'fets', average: this.averagedEpochs.join(',') }, 'CheckpointAverage');
    this.write(
      `FastEstimator-CheckpointAverage: averaged the ${which} checkpoints (epochs ${this.averagedEpochs.join(', ')}) into the model; saved to ${this.modelPath}`,
    );
    if (o.modelFolder) {
      const folder = o.modelFolder.dir ?? path.join(o.saveDir, 'model');
      await saveModelFolder(folder, o.model, o.modelFolder, 'CheckpointAverage');
      this.write(`FastEstimator-CheckpointAverage: Saved model folder to ${folder}`);
    }
  }
}
