import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { resolveBertConfig } from '../../architectures/bert/config.js';
import { atomicWriteFile } from '../atomic.js';
import { parseSafetensors } from '../safetensors.js';
import { MODEL_FOLDER_MANIFEST, modelFolderHeadSchema, type ModelFolderHead } from '../modelFolder/manifest.js';
import { bertTokenClassificationGraph } from './bertGraph.js';
import { OnnxExportError } from './errors.js';
import { ONNX_IR_VERSION, encodeOnnxModel, type OnnxModel } from './proto.js';

/** Options of {@link exportOnnx}. */
export const onnxExportOptionsSchema = z.strictObject({
  /** File to write (default: `model.onnx` in the folder, beside `config.json`). */
  out: z.string().min(1).optional(),
  /** Opset of the default domain: 17 writes LayerNorm as `LayerNormalization`; 14–16 spell it out for older runtimes. */
  opset: z.number().int().min(14).max(17).default(17),
});

/** Options of {@link exportOnnx} as a caller writes them. */
export type OnnxExportOptions = z.input<typeof onnxExportOptionsSchema>;

/** What {@link exportOnnx} wrote. */
export interface OnnxExportResult {
  /** The file written. */
  file: string;
  bytes: number;
  opset: number;
  /** Nodes of the graph. */
  nodes: number;
  /** Label names by id (from `config.json` `id2label`). */
  labels: string[];
  /** The head of a fets model folder (from `fets.json`; absent for a Hugging Face folder without one). */
  head?: ModelFolderHead;
}

/** The head `fets.json` records, when the folder has one (a Hugging Face folder has not). */
async function folderHead(folder: string): Promise<ModelFolderHead | undefined> {
  const file = path.join(folder, MODEL_FOLDER_MANIFEST);
  if (!existsSync(file)) return undefined;
  const parsed = modelFolderHeadSchema.safeParse((await readJson(file)).head);
  if (!parsed.success) throw new OnnxExportError(file, `head: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/** A protobuf message may not exceed 2 GiB; larger models need ONNX's external data, which fets does not write. */
const PROTOBUF_LIMIT = 2 ** 31 - 1;

function producerVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) throw new OnnxExportError(file, 'missing (a model folder has config.json and model.safetensors)');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new OnnxExportError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new OnnxExportError(file, 'expected a JSON object');
  return json as Record<string, unknown>;
}

/** The encoded model and what it holds (see {@link buildOnnxModel}). */
export interface BuiltOnnxModel {
  /** The ONNX protobuf bytes. */
  bytes: Uint8Array;
  opset: number;
  /** Nodes of the graph. */
  nodes: number;
  /** Label names by id (from `config.json` `id2label`). */
  labels: string[];
}

/**
 * Builds the ONNX model of a Hugging Face BERT token-classification folder (`config.json` + `model.safetensors`
 * with HF tensor names, as fets' model folder or `save_pretrained` writes them) and returns its bytes. The graph:
 * BERT's embeddings, encoder layers and the classifier (see {@link bertTokenClassificationGraph}); inputs
 * `input_ids`, `attention_mask`, `token_type_ids` (int64, [batch_size, sequence_length], both dynamic), output
 * `logits` [batch_size, sequence_length, numLabels]; IR 8, `metadata_props` `id2label`. A fets model folder whose
 * `fets.json` head is a CRF gets the CRF's scores as further outputs (`transitions`, `start_transitions`,
 * `end_transitions`; see `CRF_ONNX_OUTPUTS`) and `metadata_props` `fets_head` (the head, its constraints).
 *
 * @throws OnnxExportError naming the file when a file is missing, the folder holds another model type or a weight
 *   does not fit the config
 * @example
 * const { bytes } = await buildOnnxModel('runs/ner-bert/model', { opset: 17 });
 */
export async function buildOnnxModel(folder: string, options: Omit<OnnxExportOptions, 'out'> = {}): Promise<BuiltOnnxModel> {
  const o = parseOptions('buildOnnxModel', onnxExportOptionsSchema, options);
  const configFile = path.join(folder, 'config.json');
  const json = await readJson(configFile);
  if (json.model_type !== undefined && json.model_type !== 'bert') {
    throw new OnnxExportError(configFile, `model_type: expected "bert", received ${JSON.stringify(json.model_type)}`);
  }
  const archs = json.architectures;
  if (Array.isArray(archs) && !archs.includes('BertForTokenClassification')) {
    throw new OnnxExportError(configFile, `architectures: expected ["BertForTokenClassification"], received ${JSON.stringify(archs)}`);
  }
  const config = resolveBertConfig(json, configFile);
  const weightsFile = path.join(folder, 'model.safetensors');
  if (!existsSync(weightsFile)) throw new OnnxExportError(weightsFile, 'missing (a model folder has config.json and model.safetensors)');
  const { tensors } = parseSafetensors(await readFile(weightsFile), weightsFile);
  const head = await folderHead(folder);
  const graph = bertTokenClassificationGraph(config, tensors, o.opset, weightsFile, head?.type === 'crf');
  const weightBytes = graph.initializer.reduce((n, t) => n + t.raw_data.byteLength, 0);
  if (weightBytes >= PROTOBUF_LIMIT) {
    throw new OnnxExportError(weightsFile, `the weights take ${weightBytes} bytes; one ONNX protobuf holds at most ${PROTOBUF_LIMIT}`);
  }
  const model: OnnxModel = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: o.opset }],
    producer_name: 'fets',
    producer_version: producerVersion(),
    doc_string: `BertForTokenClassification${head?.type === 'crf' ? ' with a CRF head' : ''} (${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, ${config.numLabels} labels)`,
    graph,
    metadata_props: [
      { key: 'id2label', value: JSON.stringify(Object.fromEntries(config.labels.map((l, i) => [String(i), l]))) },
      ...(head ? [{ key: 'fets_head', value: JSON.stringify(head) }] : []),
    ],
  };
  return { bytes: encodeOnnxModel(model), opset: o.opset, nodes: graph.node.length, labels: config.labels, ...(head ? { head } : {}) };
}

/**
 * {@link buildOnnxModel}, written atomically to `out`, by default `model.onnx` in the folder beside `config.json`.
 * (A fets model folder also records the file's SHA-256 in `fets.json`: `fets export <folder> --format onnx` does that.)
 *
 * @example
 * const { file } = await exportOnnx('../shared/fixtures/bert-tiny-random', { out: '/tmp/model.onnx' });
 */
export async function exportOnnx(folder: string, options: OnnxExportOptions = {}): Promise<OnnxExportResult> {
  const { out, ...rest } = parseOptions('exportOnnx', onnxExportOptionsSchema, options);
  const built = await buildOnnxModel(folder, rest);
  const file = out ?? path.join(folder, 'model.onnx');
  await atomicWriteFile(file, built.bytes);
  return { file, bytes: built.bytes.byteLength, opset: built.opset, nodes: built.nodes, labels: built.labels };
}
