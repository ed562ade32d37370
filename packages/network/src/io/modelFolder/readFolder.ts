import type { BertWordPieceTokenizer } from '@fets/pipeline/text';
import { fromHfConfig, resolveBertConfig, type BertConfig } from '../../architectures/bert/config.js';
import { loadWeights } from '../../architectures/bert/pretrained.js';
import { BertCrfForTokenClassification } from '../../architectures/bert/crfTokenClassification.js';
import { BertForTokenClassification } from '../../architectures/bert/tokenClassification.js';
import { iob2Constraints } from '../../ops/crf/iob2Constraints.js';
import { parseSafetensors, type SafetensorsTensor } from '../safetensors.js';
import { sha256Hex } from './checksum.js';
import {
  ModelFolderChecksumError,
  ModelFolderError,
  ModelFolderFormatError,
  ModelFolderMismatchError,
  ModelFolderMissingError,
  ModelFolderTypeError,
} from './errors.js';
import {
  CRF_TENSORS,
  MODEL_FOLDER_FILES,
  MODEL_FOLDER_MANIFEST,
  modelFolderHeadSchema,
  modelFolderManifestSchema,
  type ModelFolderManifest,
} from './manifest.js';
import { readTokenizerFiles } from './tokenizerFiles.js';
import { int8FolderLayers } from '../../int8/int8File.js';
import type { QuantizedMatrix } from '../../int8/quantize.js';
import { headDecoding, type CrfScores, type HeadDecoding } from './headDecoding.js';

/** Reads one file of a folder: its bytes, or undefined when it does not exist (a disk, or `fetch` in a page). */
export type FolderReader = (name: string) => Promise<Uint8Array | undefined>;

/** A model folder, checked and loaded. */
export interface LoadedModelFolder {
  /** The folder as given (named in errors). */
  folder: string;
  manifest: ModelFolderManifest;
  /** The model with its weights (dropout off: it is for inference); a BertCrfForTokenClassification for a `crf` head. */
  model: BertForTokenClassification;
  /** The CRF's scores from `model.safetensors` (a `crf` head only). */
  crf?: CrfScores;
  /** How the head turns the model's logits into tags (argmax, IOB2-constrained or CRF Viterbi). */
  decoding: HeadDecoding;
  config: BertConfig;
  tokenizer: BertWordPieceTokenizer;
  /** Tag name of each class (config.json's `id2label`). */
  labels: readonly string[];
  /** The int8 layers of `model.int8.safetensors` when `fets.json` records them (for `useInt8`). */
  int8?: ReadonlyMap<string, QuantizedMatrix>;
}

const ARCHITECTURE = 'BertForTokenClassification';
const EMBEDDINGS = 'bert.embeddings.word_embeddings.weight';
const CLASSIFIER = 'classifier.weight';
const decoder = new TextDecoder('utf-8', { fatal: true });

function json(folder: string, file: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new ModelFolderFormatError(folder, file, `not JSON: ${(e as Error).message}`, { cause: e });
  }
}

function checkType(folder: string, config: Record<string, unknown>): void {
  if (config.model_type !== 'bert')
    throw new ModelFolderTypeError(folder, 'config.json', 'model_type', '"bert"', JSON.stringify(config.model_type));
  const arch = config.architectures;
  if (!Array.isArray(arch) || !arch.includes(ARCHITECTURE))
    throw new ModelFolderTypeError(folder, 'config.json', 'architectures', `["${ARCHITECTURE}"]`, JSON.stringify(arch));
}

function rowsOf(tensors: ReadonlyMap<string, SafetensorsTensor>, folder: string, name: string): number {
  const t = tensors.get(name);
  if (!t) throw new ModelFolderFormatError(folder, 'model.safetensors', `no tensor "${name}" (not a ${ARCHITECTURE} checkpoint)`);
  return t.shape[0]!;
}

/**
 * Checks and loads a model folder (written by `saveModelFolder`) through `read`, in Node.js or a web page. In order:
 * `config.json` must be a BERT token classifier (else {@link ModelFolderTypeError}); every file of the folder must be
 * there (one {@link ModelFolderMissingError} listing all that are not); each file's SHA-256 must be the one
 * `fets.json` records ({@link ModelFolderChecksumError} naming the file); then the files must agree: the vocabulary
 * with the embedding rows and `config.json`'s `vocab_size`, the labels with the head's rows, `tokenizer.json` with
 * `vocab.txt` ({@link ModelFolderMismatchError}, naming the file and both numbers).
 *
 * @example
 * const loaded = await readModelFolder('https://host/model/', async (n) => new Uint8Array(await (await fetch(n)).arrayBuffer()));
 */
export async function readModelFolder(folder: string, read: FolderReader): Promise<LoadedModelFolder> {
  const configBytes = await read('config.json');
  if (configBytes) {
    const c = json(folder, 'config.json', configBytes);
    if (c === null || typeof c !== 'object' || Array.isArray(c))
      throw new ModelFolderFormatError(folder, 'config.json', 'expected a JSON object');
    checkType(folder, c as Record<string, unknown>);
  }
  const bytes = new Map<string, Uint8Array>(configBytes ? [['config.json', configBytes]] : []);
  const manifestBytes = await read(MODEL_FOLDER_MANIFEST);
  const missing: string[] = [...(manifestBytes ? [] : [MODEL_FOLDER_MANIFEST]), ...(configBytes ? [] : ['config.json'])];
  let manifest: ModelFolderManifest | undefined;
  if (manifestBytes) {
    const raw = json(folder, MODEL_FOLDER_MANIFEST, manifestBytes) as { task?: unknown; head?: { type?: unknown } } | null;
    const parsed = modelFolderManifestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.join('.') || '(top level)';
      if (issue.path[0] === 'task')
        throw new ModelFolderTypeError(folder, MODEL_FOLDER_MANIFEST, 'task', '"token-classification"', JSON.stringify(raw?.task));
      if (issue.path[0] === 'head' && issue.path[1] === 'type') {
        const known = modelFolderHeadSchema.options.map((o) => `"${o.shape.type.value}"`).join(', ');
        throw new ModelFolderTypeError(
          folder,
          MODEL_FOLDER_MANIFEST,
          'head.type',
          `one of ${known} (the heads this version of fets reads)`,
          JSON.stringify(raw?.head?.type),
        );
      }
      throw new ModelFolderFormatError(folder, MODEL_FOLDER_MANIFEST, `${where}: ${issue.message}`);
    }
    manifest = parsed.data;
  }
  const names = new Set<string>([...MODEL_FOLDER_FILES, ...Object.keys(manifest?.sha256 ?? {})]);
  names.delete('config.json');
  for (const name of names) {
    const b = await read(name);
    if (b) bytes.set(name, b);
    else missing.push(name);
  }
  if (missing.length > 0) throw new ModelFolderMissingError(folder, missing);
  const m = manifest!;
  for (const name of MODEL_FOLDER_FILES) {
    if (m.sha256[name] === undefined) throw new ModelFolderFormatError(folder, MODEL_FOLDER_MANIFEST, `sha256: no checksum of ${name}`);
  }
  for (const [name, expected] of Object.entries(m.sha256)) {
    const got = await sha256Hex(bytes.get(name)!);
    if (got !== expected) throw new ModelFolderChecksumError(folder, name, expected, got);
  }
  return build(folder, m, bytes);
}

async function build(folder: string, manifest: ModelFolderManifest, bytes: ReadonlyMap<string, Uint8Array>): Promise<LoadedModelFolder> {
  const text = (name: string) => decoder.decode(bytes.get(name)!);
  let config: BertConfig;
  try {
    config = resolveBertConfig(fromHfConfig(json(folder, 'config.json', bytes.get('config.json')!), 'config.json'), 'config.json');
  } catch (e) {
    if (e instanceof ModelFolderError) throw e;
    throw new ModelFolderFormatError(folder, 'config.json', (e as Error).message, { cause: e });
  }
  const tokenizer = readTokenizerFiles(
    folder,
    {
      vocab: text('vocab.txt'),
      tokenizerConfig: json(folder, 'tokenizer_config.json', bytes.get('tokenizer_config.json')!),
      tokenizerJson: json(folder, 'tokenizer.json', bytes.get('tokenizer.json')!),
    },
    manifest.text.charwiseLowercase,
  );
  let tensors: Map<string, SafetensorsTensor>;
  try {
    tensors = parseSafetensors(bytes.get('model.safetensors')!, `${folder}/model.safetensors`).tensors;
  } catch (e) {
    throw new ModelFolderFormatError(folder, 'model.safetensors', (e as Error).message, { cause: e });
  }
  const rows = rowsOf(tensors, folder, EMBEDDINGS);
  if (config.vocabSize !== rows) {
    throw new ModelFolderMismatchError(
      folder,
      'config.json',
      'vocab_size',
      `${rows} (the rows of ${EMBEDDINGS} in model.safetensors)`,
      `${config.vocabSize}`,
    );
  }
  if (tokenizer.vocabSize !== rows) {
    throw new ModelFolderMismatchError(
      folder,
      'vocab.txt',
      'tokens',
      `${rows} (the rows of ${EMBEDDINGS} in model.safetensors)`,
      `${tokenizer.vocabSize}`,
    );
  }
  const classes = rowsOf(tensors, folder, CLASSIFIER);
  if (config.labels.length !== classes) {
    throw new ModelFolderMismatchError(
      folder,
      'config.json',
      'id2label',
      `${classes} labels (the rows of ${CLASSIFIER} in model.safetensors)`,
      `${config.labels.length} (${config.labels.join(', ')})`,
    );
  }
  if (config.maxPositionEmbeddings < manifest.text.maxLen) {
    throw new ModelFolderMismatchError(
      folder,
      MODEL_FOLDER_MANIFEST,
      'text.maxLen',
      `at most ${config.maxPositionEmbeddings} (config.json's max_position_embeddings)`,
      `${manifest.text.maxLen}`,
    );
  }
  const crf = manifest.head.type === 'crf' ? crfScores(folder, tensors, config.labels) : undefined;
  const { labels: _labels, ...input } = config;
  const inference = resolveBertConfig({ ...input, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
  const model = crf ? new BertCrfForTokenClassification(inference) : new BertForTokenClassification(inference);
  if (model instanceof BertCrfForTokenClassification) {
    model.crf.constraints = manifest.head.constraints === 'iob2' ? iob2Constraints(config.labels) : undefined;
  }
  try {
    const report = loadWeights(model, tensors, { source: folder, file: `${folder}/model.safetensors`, log: () => {} });
    if (report.missing.length > 0) {
      throw new ModelFolderMismatchError(
        folder,
        'model.safetensors',
        'weights',
        `every weight of ${ARCHITECTURE}`,
        `${report.missing.length} missing (${report.missing.slice(0, 5).join(', ')}${report.missing.length > 5 ? ', …' : ''})`,
      );
    }
  } catch (e) {
    model.dispose();
    if (e instanceof ModelFolderError) throw e;
    throw new ModelFolderFormatError(folder, 'model.safetensors', (e as Error).message, { cause: e });
  }
  const decoding = headDecoding(manifest.head, config.labels, crf);
  let int8: ReadonlyMap<string, QuantizedMatrix> | undefined;
  try {
    int8 = manifest.int8 && int8FolderLayers(folder, bytes.get(manifest.int8.file)!, manifest.int8.layers, model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return {
    folder,
    manifest,
    model,
    ...(crf ? { crf } : {}),
    decoding,
    config,
    tokenizer,
    labels: config.labels,
    ...(int8 ? { int8 } : {}),
  };
}

/**
 * The CRF's scores of a `crf` head, each tensor of {@link CRF_TENSORS} there and of the labels' size: transitions
 * `[C, C]`, start and end `[C]` for the C labels of `config.json`'s `id2label` (else a one-line error naming the file).
 */
function crfScores(folder: string, tensors: ReadonlyMap<string, SafetensorsTensor>, labels: readonly string[]): CrfScores {
  const C = labels.length;
  const get = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw new ModelFolderFormatError(folder, 'model.safetensors', `no tensor "${name}" (fets.json's head is "crf")`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ModelFolderMismatchError(
        folder,
        'model.safetensors',
        name,
        `shape [${shape.join(', ')}] (config.json's id2label has ${C} labels)`,
        `[${t.shape.join(', ')}]`,
      );
    }
    if (!(t.data instanceof Float32Array)) {
      throw new ModelFolderFormatError(folder, 'model.safetensors', `${name}: expected float32 values, received ${t.dtype}`);
    }
    return t.data;
  };
  return { transitions: get(CRF_TENSORS.transitions, [C, C]), start: get(CRF_TENSORS.start, [C]), end: get(CRF_TENSORS.end, [C]) };
}
