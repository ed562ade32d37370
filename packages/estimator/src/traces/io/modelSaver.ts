import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { getModelName, isModel, type Model } from '@fets/network';
import { Trace } from '../../core/trace.js';
import { checkWritable, safeFileName } from './fileSafety.js';
import { lineWriterSchema, resolveWriter, type LineWriter } from './lineWriter.js';
import { nonFiniteWeight, saveModelWeights } from './modelWeights.js';
import { checkModelFolderSpec, modelFolderSpecSchema, saveModelFolder } from '../../modelFolder/saveModelFolder.js';
import type { QuietSig } from '../../core/traceKeys.js';

const schema = z.strictObject({
  /** The model (built with `build`) to save. */
  model: z.custom<Model>(isModel, 'expected a tf.LayersModel or a FunctionModel made by build()'),
  /** Directory of the saved files (created if missing; must be writable, checked at construction). */
  saveDir: z.string().min(1),
  /** Save every this many training epochs. */
  frequency: z.number().int().min(1).default(1),
  /** Keep only the newest this many files written by this trace (default: keep all). */
  maxToKeep: z.number().int().min(1).optional(),
  /**
   * Also write each saved epoch as a model folder, `${modelName}_epoch_${epoch}/` beside the weights file (pruned with
   * them): what `fets predict <folder>` runs. `{ tokenize, stride }`; `dir` is ignored (one folder per epoch).
   */
  modelFolder: modelFolderSpecSchema.optional(),
  /** Where the save notices are printed (default standard output). */
  write: lineWriterSchema,
});

/** Options of {@link ModelSaver}. */
export type ModelSaverOptions = z.input<typeof schema>;

/**
 * Saves a model's weights every `frequency` training epochs (FastEstimator's ModelSaver) to
 * `${saveDir}/${modelName}_epoch_${epoch}.safetensors`, atomically, deleting the oldest of its files beyond
 * `maxToKeep`; with `modelFolder`, each also as a model folder `${modelName}_epoch_${epoch}/`. An unwritable `saveDir` fails at construction. Weights holding NaN/±Inf (a diverged run) are never
 * saved: a notice is printed and the earlier files stay.
 *
 * Keys: none.
 *
 * @example
 * new ModelSaver({ model, saveDir: 'runs/ner-bert/epochs', frequency: 2, maxToKeep: 3 });
 */
export class ModelSaver extends Trace {
  declare readonly '~sig': QuietSig;
  override readonly options: Omit<z.output<typeof schema>, 'write'>;
  private readonly write: LineWriter;
  /** Files written by this trace in this run, oldest first (after pruning). */
  saved: string[] = [];

  constructor(options: ModelSaverOptions) {
    const { write, ...o } = parseOptions(new.target.name, schema, options);
    super({ mode: 'train' });
    checkWritable(o.saveDir, 'ModelSaver', 'saveDir');
    if (o.modelFolder) checkModelFolderSpec(o.model, o.modelFolder, 'ModelSaver');
    this.options = o;
    this.write = resolveWriter(write);
  }

  override onBegin(): void {
    this.saved = [];
  }

  override async onEpochEnd(): Promise<void> {
    const o = this.options;
    const epoch = this.system.epoch;
    if (epoch % o.frequency !== 0) return;
    const file = path.join(o.saveDir, `${safeFileName(getModelName(o.model))}_epoch_${epoch}.safetensors`);
    const bad = await nonFiniteWeight(o.model);
    if (bad) {
      this.write(`FastEstimator-ModelSaver: not saving ${file}: weight "${bad.name}" holds ${bad.value}; the files saved before are kept`);
      return;
    }
    await saveModelWeights(o.model, file, { format: 'fets', epoch: String(epoch) }, 'ModelSaver');
    this.saved = [...this.saved.filter((f) => f !== file), file];
    this.write(`FastEstimator-ModelSaver: Saved model to ${file}`);
    if (o.modelFolder) {
      const folder = file.replace(/\.safetensors$/, '');
      await saveModelFolder(folder, o.model, o.modelFolder, 'ModelSaver');
      this.write(`FastEstimator-ModelSaver: Saved model folder to ${folder}`);
    }
    while (o.maxToKeep !== undefined && this.saved.length > o.maxToKeep) {
      const old = this.saved.shift()!;
      fs.rmSync(old, { force: true });
      if (o.modelFolder) fs.rmSync(old.replace(/\.safetensors$/, ''), { recursive: true, force: true });
    }
  }
}
