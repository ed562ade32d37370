import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BertForTokenClassification, INT8_FILE, MODEL_FOLDER_MANIFEST, buildOnnxModel, exportOnnx } from '@fets/network';
import { BertTokenize, FetsError, WindowedDataset } from '@fets/pipeline';
import type { Estimator } from '../estimator/estimator.js';
import { addFilesToModelFolder, copyModelFolder } from '../modelFolder/loadModelFolder.js';
import { saveModelFolder } from '../modelFolder/saveModelFolder.js';
import { addInt8ToModelFolder, type QuantizeScheme } from '../modelFolder/int8Folder.js';

/** The experiment has nothing `fets export` can write (no BertTokenize, not one token classifier). */
export class ExportError extends FetsError {}

/**
 * Writes a trained token classifier of an experiment as a model folder (`fets export <experiment> --load … --out`):
 * the same folder BestModelSaver's `modelFolder` writes (config.json, model.safetensors, vocab.txt, tokenizer.json,
 * tokenizer_config.json, special_tokens_map.json, fets.json), with the Pipeline's BertTokenize settings and the
 * training data's window stride. For runs saved without a model folder. Returns the files written.
 *
 * @example
 * await exportTokenClassifier(estimator, 'runs/ner-bert/model');
 */
export async function exportTokenClassifier(estimator: Estimator, dir: string): Promise<string[]> {
  const tokenize = estimator.pipeline.ops.find((o): o is BertTokenize => o instanceof BertTokenize);
  if (!tokenize) throw new ExportError('fets export: the Pipeline has no BertTokenize op (nothing says how to tokenize)');
  const models = ((estimator.network as { models?: readonly unknown[] }).models ?? []).filter(
    (m): m is BertForTokenClassification => m instanceof BertForTokenClassification,
  );
  if (models.length !== 1)
    throw new ExportError(`fets export: expected one BertForTokenClassification in the Network, found ${models.length}`);
  const train = estimator.pipeline.data.train;
  const stride = train instanceof WindowedDataset ? train.options.stride : undefined;
  await saveModelFolder(dir, models[0]!, { tokenize, ...(stride !== undefined ? { stride } : {}) }, 'fets export');
  return folderFiles(dir);
}

const folderFiles = (dir: string) =>
  ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'fets.json'].map(
    (f) => path.join(dir, f),
  );

/** Formats `fets export <folder>` writes: a checked copy of the folder, or `model.onnx` added to it (`onnx`). */
export const EXPORT_FORMATS = ['folder', 'onnx'] as const;
/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * `fets export <folder> [--format …] [--out <dir>] [--quantize int8]`: with `folder` (default), the model folder checked (a damaged or
 * inconsistent file is refused, named) and copied to `out`, atomically. Returns the files written. Each further
 * format is one case here. `quantize: 'int8'` adds `model.int8.safetensors` (to `out`, or to the folder itself).
 *
 * @example
 * await exportModelFolder('runs/ner-bert/model', 'deploy/ner', 'folder');
 */
export async function exportModelFolder(
  folder: string,
  out: string | undefined,
  format: ExportFormat = 'folder',
  quantize?: QuantizeScheme,
): Promise<string[]> {
  const files = await exportFormat(folder, out, format, quantize !== undefined);
  if (quantize === 'int8') {
    // Into the copy when --out names another folder, else into the folder itself.
    const dest = out ?? folder;
    await addInt8ToModelFolder(dest);
    files.push(path.join(dest, INT8_FILE));
  }
  return files;
}

async function exportFormat(folder: string, out: string | undefined, format: ExportFormat, quantizing: boolean): Promise<string[]> {
  switch (format) {
    case 'folder':
      if (!out && quantizing) return [];
      if (!out) throw new ExportError('fets export: --out <dir>: required (except with --format onnx or --quantize on a model folder)');
      return (await copyModelFolder(folder, out)).map((f) => path.join(out, f));
    case 'onnx': {
      const dest = out ?? folder;
      // A Hugging Face folder without fets.json (e.g. from save_pretrained): model.onnx alone, into `dest`.
      if (!existsSync(path.join(folder, MODEL_FOLDER_MANIFEST))) {
        await mkdir(dest, { recursive: true });
        return [(await exportOnnx(folder, { out: path.join(dest, 'model.onnx') })).file];
      }
      // model.onnx beside the rest (of a copy when --out names another folder), its SHA-256 recorded in fets.json.
      if (path.resolve(dest) !== path.resolve(folder)) await copyModelFolder(folder, dest);
      await addFilesToModelFolder(dest, { 'model.onnx': (await buildOnnxModel(dest)).bytes });
      return [path.join(dest, 'model.onnx')];
    }
  }
}
