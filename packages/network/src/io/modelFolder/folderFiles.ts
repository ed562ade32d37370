import type { BertWordPieceTokenizer } from '@fets/pipeline/text';
import { toHfConfig } from '../../architectures/bert/config.js';
import type { BertForTokenClassification } from '../../architectures/bert/tokenClassification.js';
import { serializeSafetensors, type SafetensorsF32Entry } from '../safetensors.js';
import { sha256Hex } from './checksum.js';
import { vocabList, tokenizerFiles } from './tokenizerFiles.js';
import {
  MODEL_FOLDER_MANIFEST,
  modelFolderManifestSchema,
  type ModelFolderHead,
  type ModelFolderManifest,
  type ModelFolderText,
} from './manifest.js';
import { ModelFolderMismatchError } from './errors.js';

/** What a model folder records besides the model: the tokenizer, the text settings and the head. */
export interface ModelFolderParts {
  tokenizer: BertWordPieceTokenizer;
  /** maxLen, stride, alignment, … (`charwiseLowercase` is taken from the tokenizer). */
  text: Omit<ModelFolderText, 'charwiseLowercase'>;
  head: ModelFolderHead;
}

const encoder = new TextEncoder();

/**
 * The files of a model folder, name → bytes, `fets.json` last: `config.json` (Hugging Face's BERT layout with
 * `id2label`/`label2id`), `model.safetensors` (HF tensor names, F32), the tokenizer files (`vocab.txt`,
 * `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json`) and `fets.json` (text settings, head, SHA-256 of
 * every other file). Pure: the caller writes them (atomically, see `saveModelFolder` in @fets/estimator).
 *
 * @example
 * const files = await modelFolderFiles(model, { tokenizer, text: { maxLen: 48, stride: 23, alignment: 'first',
 *   labelAllTokens: false, spans: 'strict' }, head: { type: 'softmax' } });
 */
export async function modelFolderFiles(
  model: BertForTokenClassification,
  parts: ModelFolderParts,
  folder = '(model folder)',
): Promise<[string, Uint8Array][]> {
  const { tokenizer } = parts;
  const vocabSize = vocabList(tokenizer).length;
  const rows = model.config.vocabSize;
  if (vocabSize !== rows) {
    throw new ModelFolderMismatchError(folder, 'vocab.txt', 'tokens', `${rows} (the model's vocabSize)`, `${vocabSize} (the tokenizer's)`);
  }
  const entries = new Map<string, SafetensorsF32Entry>();
  for (const [name, v] of model.namedWeights()) entries.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  const files: [string, Uint8Array][] = [
    ['config.json', encoder.encode(`${JSON.stringify(toHfConfig(model.config, model.architecture, true), null, 2)}\n`)],
    ['model.safetensors', serializeSafetensors(entries, { format: 'pt' })],
    ...Object.entries(tokenizerFiles(tokenizer, model.config.maxPositionEmbeddings)).map(([n, t]): [string, Uint8Array] => [
      n,
      encoder.encode(t),
    ]),
  ];
  const sha256: Record<string, string> = {};
  for (const [name, bytes] of files) sha256[name] = await sha256Hex(bytes);
  const manifest: ModelFolderManifest = modelFolderManifestSchema.parse({
    format: 'fets-model-folder',
    version: 1,
    task: 'token-classification',
    text: { ...parts.text, charwiseLowercase: tokenizer.options.charwiseLowercase },
    head: parts.head,
    sha256,
  });
  files.push([MODEL_FOLDER_MANIFEST, encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`)]);
  return files;
}

/**
 * `fets.json` with the SHA-256 of further files added (e.g. `model.onnx` written beside the rest by an exporter), so
 * the folder stays checked as a whole. Returns the new `fets.json` bytes; the caller writes them atomically.
 *
 * @example
 * const json = await addToManifest(oldJsonBytes, { 'model.onnx': onnxBytes });
 */
export async function addToManifest(manifest: ModelFolderManifest, files: Readonly<Record<string, Uint8Array>>): Promise<Uint8Array> {
  const sha256 = { ...manifest.sha256 };
  for (const [name, bytes] of Object.entries(files)) sha256[name] = await sha256Hex(bytes);
  return encoder.encode(`${JSON.stringify({ ...manifest, sha256 }, null, 2)}\n`);
}
