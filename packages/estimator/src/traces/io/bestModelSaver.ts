import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, parseOptions } from '@fets/pipeline';
import { getModelName, isLayersModel, isModel, type Model, atomicWriteFile } from '@fets/network';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { improves, monitoredValue, worst } from '../adapt/compare.js';
import { checkWritable, safeFileName } from './fileSafety.js';
import { lineWriterSchema, resolveWriter, type LineWriter } from './lineWriter.js';
import { loadModelWeights, nonFiniteWeight, saveModelWeights } from './modelWeights.js';
import { decodeNumbers, encodeNumbers } from './traceState.js';
import { checkModelFolderSpec, modelFolderSpecSchema, saveModelFolder } from '../../modelFolder/saveModelFolder.js';
import type { QuietWrites } from '../../core/traceKeys.js';

const schema = z.strictObject({
  /** The model (built with `build`) to save. */
  model: z.custom<Model>(isModel, 'expected a tf.LayersModel or a FunctionModel made by build()'),
  /** Directory of the saved files (created if missing; must be writable, checked at construction). */
  saveDir: z.string().min(1),
  /** Key judged at each eval epoch end (default 'loss'). */
  metric: z.string().min(1).default('loss'),
  /** 'min' (default): lower is better; 'max': higher is better. */
  saveBestMode: z.enum(['min', 'max']).default('min'),
  /** Put the best weights back into the model when training ends. */
  loadBestFinal: z.boolean().default(false),
  /** Also save the architecture (`model.toJSON()`, LayersModels only) next to the weights. */
  saveArchitecture: z.boolean().default(false),
  /**
   * Also write the best model as a model folder (default `${saveDir}/model`): Hugging Face's files plus `fets.json`,
   * what `fets predict <folder>` and `TokenTagger.load` run with nothing else. Needs a BertForTokenClassification and
   * the Pipeline's BertTokenize op (`{ tokenize, stride }`).
   */
  modelFolder: modelFolderSpecSchema.optional(),
  /** Where the save notices are printed (default standard output). */
  write: lineWriterSchema,
});

/** Options of {@link BestModelSaver}. */
export type BestModelSaverOptions = z.input<typeof schema>;

/**
 * Saves a model's weights whenever an eval metric reaches a new best (FastEstimator's BestModelSaver). At each eval
 * epoch end: if `metric` beats the best so far, the weights are written to
 * `${saveDir}/${modelName}_best_${metric}.safetensors` atomically (the previous best stays complete until the new file
 * is), and `FastEstimator-BestModelSaver: Saved model to …` is printed. Logs `since_best_${metric}` (eval epochs since
 * the best) and `${saveBestMode}_${metric}` (the best value), as FastEstimator does. With `loadBestFinal` the best
 * weights are loaded back at the end of training. With `modelFolder` the best model is also written as a model folder
 * (`${saveDir}/model`: config.json, model.safetensors, the tokenizer files, fets.json), atomically. An unwritable `saveDir` fails at construction. Weights holding
 * NaN/±Inf are never saved (a notice is printed; the previous best file stays).
 *
 * Keys in (epoch end): `metric`. Out: `since_best_${metric}`, `${saveBestMode}_${metric}`.
 *
 * @example
 * new BestModelSaver({ model, saveDir: 'runs/ner-bert', metric: 'f1', saveBestMode: 'max', loadBestFinal: true });
 */
export class BestModelSaver extends Trace {
  declare readonly '~sig': QuietWrites<[`since_best_${string}`, `${'max' | 'min'}_${string}`]>;
  override readonly options: Omit<z.output<typeof schema>, 'write'>;
  private readonly write: LineWriter;
  /** Path of the weights file written on improvement. */
  readonly modelPath: string;
  /** The model folder written on improvement (with the `modelFolder` option), else undefined. */
  readonly folderPath: string | undefined;
  /** Best value so far. */
  best = Infinity;
  /** Eval epochs since the best. */
  sinceBest = 0;
  /** Epoch of the best value (0 before any save). */
  bestEpoch = 0;

  constructor(options: BestModelSaverOptions) {
    const { write, ...o } = parseOptions(new.target.name, schema, options);
    super({ inputs: o.metric, outputs: [`since_best_${o.metric}`, `${o.saveBestMode}_${o.metric}`], mode: 'eval' });
    if (o.saveArchitecture && !isLayersModel(o.model)) {
      throw new ConfigError(
        'BestModelSaver',
        [],
        'BestModelSaver: saveArchitecture: only a tf.LayersModel has a saveable architecture (this is a FunctionModel)',
      );
    }
    checkWritable(o.saveDir, 'BestModelSaver', 'saveDir');
    if (o.modelFolder) checkModelFolderSpec(o.model, o.modelFolder, 'BestModelSaver');
    this.folderPath = o.modelFolder ? (o.modelFolder.dir ?? path.join(o.saveDir, 'model')) : undefined;
    this.options = o;
    this.write = resolveWriter(write);
    this.modelPath = path.join(o.saveDir, `${safeFileName(getModelName(o.model))}_best_${safeFileName(o.metric)}.safetensors`);
  }

  /** Reads the metric only at epoch ends: nothing to fetch per batch. */
  override batchInputs(): readonly string[] {
    return [];
  }

  override onBegin(): void {
    this.best = worst(this.options.saveBestMode);
    this.sinceBest = 0;
    this.bestEpoch = 0;
    this.applyPendingState();
  }

  #pending: unknown;

  /** Progress saved with a RestoreWizard checkpoint. */
  getState(): Record<string, number | string> {
    return encodeNumbers({ best: this.best, sinceBest: this.sinceBest, bestEpoch: this.bestEpoch });
  }

  /** Takes progress restored from a checkpoint; applied when the run begins (after onBegin's reset). */
  setState(state: unknown): void {
    this.#pending = state;
  }

  private applyPendingState(): void {
    Object.assign(this, decodeNumbers(this.#pending, ['best', 'sinceBest', 'bestEpoch'] as const));
    this.#pending = undefined;
  }

  override async onEpochEnd(data: Data): Promise<void> {
    const o = this.options;
    const current = monitoredValue('BestModelSaver', data, o.metric);
    if (current === undefined) return;
    const bad = improves(o.saveBestMode, current, this.best) ? await nonFiniteWeight(o.model) : undefined;
    if (bad) {
      this.write(
        `FastEstimator-BestModelSaver: not saving ${this.modelPath}: weight "${bad.name}" holds ${bad.value}; the previous best is kept`,
      );
      this.sinceBest++;
    } else if (improves(o.saveBestMode, current, this.best) && !this.system.world.isChief) {
      // Data-parallel: rank 0 writes the file; every other rank keeps the same record (same weights, same metric).
      this.best = current;
      this.sinceBest = 0;
      this.bestEpoch = this.system.epoch;
    } else if (improves(o.saveBestMode, current, this.best)) {
      this.best = current;
      this.sinceBest = 0;
      this.bestEpoch = this.system.epoch;
      await saveModelWeights(
        o.model,
        this.modelPath,
        { format: 'fets', metric: o.metric, value: String(current), epoch: String(this.system.epoch) },
        'BestModelSaver',
      );
      if (o.saveArchitecture && isLayersModel(o.model)) {
        await atomicWriteFile(this.modelPath.replace(/\.safetensors$/, '.json'), JSON.stringify(o.model.toJSON(null, false)), {
          owner: 'BestModelSaver',
        });
      }
      this.write(`FastEstimator-BestModelSaver: Saved model to ${this.modelPath}`);
      if (o.modelFolder && this.folderPath) {
        await saveModelFolder(this.folderPath, o.model, o.modelFolder, 'BestModelSaver');
        this.write(`FastEstimator-BestModelSaver: Saved model folder to ${this.folderPath}`);
      }
    } else {
      this.sinceBest++;
    }
    data.writeWithLog(this.outputs[0]!, this.sinceBest);
    data.writeWithLog(this.outputs[1]!, this.best);
  }

  override onEnd(): void {
    if (!this.options.loadBestFinal || this.bestEpoch === 0 || !fs.existsSync(this.modelPath)) return;
    this.write(`FastEstimator-BestModelSaver: Restoring model from ${this.modelPath}`);
    loadModelWeights(this.options.model, this.modelPath);
  }
}
