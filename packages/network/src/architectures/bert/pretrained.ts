import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { FetsError, parseOptions } from '@fets/pipeline';
import { atomicWriteFiles } from '../../io/atomic.js';
import { WeightsMismatchError } from '../../io/weightsErrors.js';
import { hubOptionsSchema, resolveModelFiles } from '../../io/hub.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsF32Entry, type SafetensorsTensor } from '../../io/safetensors.js';
import { BertModel } from './bertModel.js';
import type { FunctionModel } from '../functionModel.js';
import { fromHfConfig, resolveBertConfig, toHfConfig, type BertConfig, type BertConfigInput } from './config.js';
import { BertForMaskedLM } from './maskedLM.js';
import { BertForTokenClassification } from './tokenClassification.js';
import { BertCrfForTokenClassification } from './crfTokenClassification.js';

/**
 * A checkpoint tensor's shape differs from the shape the config gives the parameter.
 *
 * @example
 * // CheckpointShapeError: ckpt/model.safetensors: classifier.weight: expected shape [5, 32] (from the config), received [7, 32]
 */
export class CheckpointShapeError extends FetsError {
  constructor(
    readonly file: string,
    readonly parameter: string,
    readonly expected: readonly number[],
    readonly received: readonly number[],
  ) {
    super(`${file}: ${parameter}: expected shape [${expected.join(', ')}] (from the config), received [${received.join(', ')}]`);
  }
}

/** What loading a checkpoint into a model found: parameters left at their initial values, unused and mismatched keys. */
export interface LoadReport {
  /** Model parameters absent from the checkpoint (newly initialised). */
  missing: string[];
  /** Checkpoint keys the model does not use. */
  unexpected: string[];
  /** Parameters whose checkpoint shape differed, re-initialised because `ignoreMismatchedSizes` was set. */
  mismatched: { name: string; checkpoint: number[]; model: number[] }[];
}

/**
 * A BERT model fets can save and load: `BertModel`, `BertForTokenClassification`, and any later head (e.g. a masked-LM
 * head with `cls.*` parameters next to `bert.*`) that exposes the same members.
 */
export interface PretrainedBert extends FunctionModel {
  /** Hugging Face class name (`config.json` `architectures`, report lines). */
  readonly architecture: string;
  readonly config: BertConfig;
  vocab: string[] | undefined;
  /** Checkpoint names that alias another parameter (e.g. HF's tied MLM decoder): accepted on load, never saved. */
  readonly tiedWeights?: ReadonlyMap<string, string>;
  /** Whether `config.json` gets `id2label`/`label2id` (default true; false for heads without labels). */
  readonly saveLabels?: boolean;
}

const BASE_PREFIX = 'bert.';
/** Buffers old checkpoints carry that are not parameters: accepted and ignored silently. */
const IGNORED_BUFFERS = /(^|\.)embeddings\.(position_ids|token_type_ids)$/;

const pyList = (names: readonly string[]) => `[${names.map((n) => `'${n}'`).join(', ')}]`;

/**
 * Copies checkpoint tensors into a model's variables by Hugging Face name. Accepts checkpoints with and without the
 * `bert.` prefix, legacy `LayerNorm.gamma`/`beta` names, and ignores `embeddings.position_ids` and the model's
 * `tiedWeights` aliases (an HF MLM's `cls.predictions.decoder.weight`). Reports (one line
 * each, via `log`) the parameters left newly initialised and the unused checkpoint keys, as transformers does.
 *
 * @throws CheckpointShapeError when a shape differs (unless `ignoreMismatchedSizes`)
 * @throws WeightsMismatchError when not one parameter of the model is in the checkpoint (another model's file)
 * @example
 * const report = loadWeights(model, (await readSafetensors(file)).tensors, { source: file });
 */
export function loadWeights(
  model: PretrainedBert,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  options: { source: string; file?: string; ignoreMismatchedSizes?: boolean; log?: (line: string) => void },
): LoadReport {
  const named = model.namedWeights();
  const expectsPrefix = [...named.keys()].some((k) => k.startsWith(BASE_PREFIX));
  const hasPrefix = [...tensors.keys()].some((k) => k.startsWith(BASE_PREFIX));
  const report: LoadReport = { missing: [], unexpected: [], mismatched: [] };
  const byModelName = new Map<string, { key: string; tensor: SafetensorsTensor }>();
  for (const [key, tensor] of tensors) {
    if (IGNORED_BUFFERS.test(key) || model.tiedWeights?.has(key)) continue;
    let name = key.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
    if (expectsPrefix && !hasPrefix && named.has(BASE_PREFIX + name)) name = BASE_PREFIX + name;
    else if (!expectsPrefix && hasPrefix && name.startsWith(BASE_PREFIX)) name = name.slice(BASE_PREFIX.length);
    if (named.has(name)) byModelName.set(name, { key, tensor });
    else report.unexpected.push(key);
  }
  const file = options.file ?? options.source;
  if (named.size > 0 && byModelName.size === 0) {
    // Not one parameter matches: a checkpoint of another model, not a partial one. Refuse rather than train from scratch.
    throw new WeightsMismatchError(file, model.architecture, named.size, [...named.keys()], report.unexpected);
  }
  tf.tidy(() => {
    for (const [name, variable] of named) {
      const hit = byModelName.get(name);
      if (hit === undefined) {
        report.missing.push(name);
        continue;
      }
      const { shape, data } = hit.tensor;
      const same = shape.length === variable.shape.length && shape.every((d, i) => d === variable.shape[i]);
      if (!same) {
        if (!options.ignoreMismatchedSizes) throw new CheckpointShapeError(file, hit.key, variable.shape, shape);
        report.mismatched.push({ name, checkpoint: shape, model: variable.shape });
        continue;
      }
      const values = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>, Number);
      variable.assign(tf.tensor(values, shape, 'float32'));
    }
  });
  const log = options.log ?? ((line: string) => console.warn(line));
  const missing = [...report.missing].sort();
  if (missing.length) {
    log(
      `Some weights of ${model.architecture} were not initialized from the model checkpoint at ${options.source} and are newly initialized: ${pyList(missing)}`,
    );
  }
  if (report.mismatched.length) {
    const parts = report.mismatched.map(
      (m) => `${m.name}: found shape [${m.checkpoint.join(', ')}] in the checkpoint and [${m.model.join(', ')}] in the model instantiated`,
    );
    log(
      `Some weights of ${model.architecture} were not initialized from the model checkpoint at ${options.source} and are newly initialized because the shapes did not match: ${parts.join('; ')}`,
    );
  }
  if (report.unexpected.length) {
    log(
      `Some weights of the model checkpoint at ${options.source} were not used when initializing ${model.architecture}: ${pyList([...report.unexpected].sort())}`,
    );
  }
  return report;
}

/** Options of {@link fromPretrained}: Hub options plus label and config overrides. */
export const fromPretrainedOptionsSchema = hubOptionsSchema.extend({
  /** Which model to build (default `BertForTokenClassification`). */
  architecture: z.enum(['BertForTokenClassification', 'BertModel', 'BertForMaskedLM']).default('BertForTokenClassification'),
  /** Label count of a new head (labels `LABEL_i` unless the checkpoint's count matches). */
  numLabels: z.number().int().positive().optional(),
  /** Label names by id (a new head's labels; sets numLabels). */
  id2label: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
  /** Re-initialise parameters whose checkpoint shape differs instead of failing. */
  ignoreMismatchedSizes: z.boolean().default(false),
  /** Seed for weights the checkpoint lacks and for dropout. */
  seed: z.number().int().optional(),
  /** Further config overrides (fets camelCase, e.g. `{ hiddenDropoutProb: 0.2 }`). */
  config: z.record(z.string(), z.unknown()).optional(),
  /** Token classification with a CRF head (`BertCrfForTokenClassification`; its `crf.*` tensors load when present). */
  crf: z.boolean().default(false),
});

/** Options of {@link fromPretrained} (see {@link fromPretrainedOptionsSchema}). */
export type FromPretrainedOptions = z.input<typeof fromPretrainedOptionsSchema>;

/**
 * Loads a BERT checkpoint in the Hugging Face layout (`config.json`, `model.safetensors`, optional `vocab.txt`) from
 * a local folder or a Hub repo (downloaded into the HF cache; offline mode serves from it). Head weights the
 * checkpoint lacks are initialised and reported in one line; unused keys likewise.
 *
 * @param nameOrPath a local folder, or a Hub repo id (`org/name`)
 * @example
 * const model = await fromPretrained('runs/mlm-bert', { numLabels: labels.length, id2label: labels });
 * const bert = await fromPretrained('../shared/fixtures/bert-tiny-random', { architecture: 'BertModel' });
 * const mlm = await fromPretrained('runs/pretrain-bert', { architecture: 'BertForMaskedLM' }); // continue pretraining
 */
export async function fromPretrained(
  nameOrPath: string,
  options: FromPretrainedOptions & { architecture: 'BertModel' },
): Promise<BertModel>;
export async function fromPretrained(
  nameOrPath: string,
  options: FromPretrainedOptions & { architecture: 'BertForMaskedLM' },
): Promise<BertForMaskedLM>;
export async function fromPretrained(
  nameOrPath: string,
  options?: FromPretrainedOptions & { architecture?: 'BertForTokenClassification' },
): Promise<BertForTokenClassification>;
export async function fromPretrained(nameOrPath: string, options: FromPretrainedOptions = {}): Promise<PretrainedBert> {
  const o = parseOptions('fromPretrained', fromPretrainedOptionsSchema, options);
  const { architecture, numLabels, id2label, ignoreMismatchedSizes, seed, config: overrides, crf, ...hub } = o;
  const files = await resolveModelFiles(nameOrPath, ['config.json', 'model.safetensors'], ['vocab.txt'], hub);
  const configPath = files['config.json']!;
  const base = fromHfConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
  const input: BertConfigInput = { ...base, ...(overrides as Partial<BertConfigInput>) };
  if (seed !== undefined) input.seed = seed;
  if (id2label !== undefined) {
    input.id2label = id2label;
    delete input.numLabels;
  } else if (numLabels !== undefined) {
    const current = resolveBertConfig(base, architecture).numLabels;
    if (numLabels !== current) {
      delete input.id2label;
      input.numLabels = numLabels;
    }
  }
  const config = resolveBertConfig(input, architecture);
  const model =
    architecture === 'BertModel'
      ? new BertModel(config)
      : architecture === 'BertForMaskedLM'
        ? new BertForMaskedLM(config)
        : crf
          ? new BertCrfForTokenClassification(config)
          : new BertForTokenClassification(config);
  try {
    const weightsPath = files['model.safetensors']!;
    const { tensors } = parseSafetensors(await readFile(weightsPath), weightsPath);
    loadWeights(model, tensors, { source: nameOrPath, file: weightsPath, ignoreMismatchedSizes, log: hub.log });
    const vocabPath = files['vocab.txt'];
    if (vocabPath) model.vocab = parseVocab(await readFile(vocabPath, 'utf8'));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

function parseVocab(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Writes a model in the Hugging Face layout, loadable by transformers' `from_pretrained` and by
 * {@link fromPretrained}: `config.json`, `model.safetensors` (F32, HF names, PyTorch shapes, sorted header with
 * `__metadata__: {format: 'pt'}`), and `vocab.txt` when the model carries a vocabulary. All files are written to temporary names first, then renamed
 * into place (`atomicWriteFiles`), so a failed save never leaves a partial checkpoint.
 *
 * @example
 * await savePretrained(model, 'runs/ner-bert/best');
 */
export async function savePretrained(model: PretrainedBert, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = new Map<string, SafetensorsF32Entry>();
  for (const [name, v] of model.namedWeights()) {
    entries.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  }
  const config = toHfConfig(model.config, model.architecture, model.saveLabels ?? true);
  const files: [string, string | Uint8Array][] = [
    [path.join(dir, 'model.safetensors'), serializeSafetensors(entries, { format: 'pt' })],
    [path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`],
  ];
  if (model.vocab !== undefined) files.push([path.join(dir, 'vocab.txt'), `${model.vocab.join('\n')}\n`]);
  await atomicWriteFiles(files);
}
