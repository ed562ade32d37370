import { z } from 'zod';
import { ConfigError, parseOptions } from '@fets/pipeline';

/** Activations BERT configs name in `hidden_act` (`gelu` is the exact erf GELU). */
export const BERT_ACTIVATIONS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu', 'silu', 'swish', 'tanh'] as const;
/** One of {@link BERT_ACTIVATIONS}. */
export type BertActivation = (typeof BERT_ACTIVATIONS)[number];

const id2labelSchema = z.union([z.array(z.string()), z.record(z.string(), z.string())]);

/**
 * Options of a BERT model in fets (camelCase of Hugging Face `BertConfig`; defaults are HF's, i.e. bert-base).
 * `hf` carries the original `config.json` keys fets does not interpret, written back by `savePretrained`.
 */
export const bertConfigSchema = z
  .strictObject({
    vocabSize: z.number().int().positive().default(30522),
    hiddenSize: z.number().int().positive().default(768),
    numHiddenLayers: z.number().int().nonnegative().default(12),
    numAttentionHeads: z.number().int().positive().default(12),
    intermediateSize: z.number().int().positive().default(3072),
    hiddenAct: z.enum(BERT_ACTIVATIONS).default('gelu'),
    hiddenDropoutProb: z.number().min(0).max(1).default(0.1),
    attentionProbsDropoutProb: z.number().min(0).max(1).default(0.1),
    maxPositionEmbeddings: z.number().int().positive().default(512),
    typeVocabSize: z.number().int().positive().default(2),
    initializerRange: z.number().nonnegative().default(0.02),
    layerNormEps: z.number().positive().default(1e-12),
    padTokenId: z.number().int().nonnegative().nullable().default(0),
    classifierDropout: z.number().min(0).max(1).nullable().default(null),
    numLabels: z.number().int().positive().optional(),
    id2label: id2labelSchema.optional(),
    /** Seed of the weight initialisation and of dropout (unseeded when absent). */
    seed: z.number().int().optional(),
    /** Model name shown in logs (default: the class name). */
    name: z.string().min(1).optional(),
    /** Original `config.json` keys (snake_case) kept for saving. */
    hf: z.record(z.string(), z.unknown()).default({}),
  })
  .refine((c) => c.hiddenSize % c.numAttentionHeads === 0, {
    message: 'hiddenSize must be a multiple of numAttentionHeads',
    path: ['hiddenSize'],
  });

/** BERT options as a user writes them (see {@link bertConfigSchema}). */
export type BertConfigInput = z.input<typeof bertConfigSchema>;

/** Validated BERT options with `labels` resolved (id order). */
export type BertConfig = Omit<z.output<typeof bertConfigSchema>, 'numLabels'> & { numLabels: number; labels: string[] };

/**
 * Hugging Face `config.json` of a BERT model: the keys fets reads are checked; unknown keys pass through.
 */
export const hfBertConfigSchema = z.looseObject({
  model_type: z.string().optional(),
  vocab_size: z.number().int().positive().optional(),
  hidden_size: z.number().int().positive().optional(),
  num_hidden_layers: z.number().int().nonnegative().optional(),
  num_attention_heads: z.number().int().positive().optional(),
  intermediate_size: z.number().int().positive().optional(),
  hidden_act: z.enum(BERT_ACTIVATIONS).optional(),
  hidden_dropout_prob: z.number().min(0).max(1).optional(),
  attention_probs_dropout_prob: z.number().min(0).max(1).optional(),
  max_position_embeddings: z.number().int().positive().optional(),
  type_vocab_size: z.number().int().positive().optional(),
  initializer_range: z.number().nonnegative().optional(),
  layer_norm_eps: z.number().positive().optional(),
  pad_token_id: z.number().int().nonnegative().nullable().optional(),
  classifier_dropout: z.number().min(0).max(1).nullable().optional(),
  num_labels: z.number().int().positive().optional(),
  id2label: z.record(z.string(), z.string()).optional(),
  position_embedding_type: z.literal('absolute').optional(),
  is_decoder: z.literal(false).optional(),
});

/** A Hugging Face `config.json` object (snake_case keys). */
export type HfBertConfig = z.input<typeof hfBertConfigSchema>;

const HF_TO_FETS: Record<string, keyof BertConfigInput> = {
  vocab_size: 'vocabSize',
  hidden_size: 'hiddenSize',
  num_hidden_layers: 'numHiddenLayers',
  num_attention_heads: 'numAttentionHeads',
  intermediate_size: 'intermediateSize',
  hidden_act: 'hiddenAct',
  hidden_dropout_prob: 'hiddenDropoutProb',
  attention_probs_dropout_prob: 'attentionProbsDropoutProb',
  max_position_embeddings: 'maxPositionEmbeddings',
  type_vocab_size: 'typeVocabSize',
  initializer_range: 'initializerRange',
  layer_norm_eps: 'layerNormEps',
  pad_token_id: 'padTokenId',
  classifier_dropout: 'classifierDropout',
  num_labels: 'numLabels',
  id2label: 'id2label',
};

/** True when `value` looks like a Hugging Face `config.json` (snake_case keys) rather than fets options. */
export function isHfConfig(value: object): boolean {
  return 'model_type' in value || 'hidden_size' in value || 'vocab_size' in value || 'num_hidden_layers' in value;
}

/**
 * Converts a Hugging Face `config.json` object to fets BERT options (validated; unknown keys are kept in `hf`).
 *
 * @example
 * const opts = fromHfConfig(JSON.parse(readFileSync('config.json', 'utf8')));
 * opts.hiddenSize; // 32
 */
export function fromHfConfig(json: unknown, owner = 'BertConfig'): BertConfigInput {
  const hf = parseOptions(`${owner} (config.json)`, hfBertConfigSchema, json) as Record<string, unknown>;
  const out: Record<string, unknown> = { hf: {} };
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hf)) {
    const camel = HF_TO_FETS[k];
    if (camel !== undefined) {
      if (v !== undefined) out[camel] = v;
    } else rest[k] = v;
  }
  delete rest.label2id;
  out.hf = rest;
  return out as BertConfigInput;
}

function labelsOf(id2label: string[] | Record<string, string>, owner: string): string[] {
  if (Array.isArray(id2label)) return [...id2label];
  const n = Object.keys(id2label).length;
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = id2label[String(i)];
    if (l === undefined) {
      throw new ConfigError(owner, [], `${owner}: id2label: expected ids 0..${n - 1}, received ${JSON.stringify(Object.keys(id2label))}`);
    }
    labels.push(l);
  }
  return labels;
}

/**
 * Validates BERT options (fets camelCase or a Hugging Face `config.json` object) and resolves the labels:
 * `numLabels` from `id2label` when absent; `LABEL_i` names when only `numLabels` is given; HF's default of 2 otherwise.
 *
 * @example
 * const c = resolveBertConfig({ hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512 });
 * c.labels; // ['LABEL_0', 'LABEL_1']
 */
export function resolveBertConfig(input: BertConfigInput | HfBertConfig, owner = 'BertConfig'): BertConfig {
  const raw = isHfConfig(input) ? fromHfConfig(input, owner) : input;
  const c = parseOptions(owner, bertConfigSchema, raw);
  let labels: string[];
  if (c.id2label !== undefined) {
    labels = labelsOf(c.id2label, owner);
    if (c.numLabels !== undefined && c.numLabels !== labels.length) {
      throw new ConfigError(owner, [], `${owner}: numLabels: expected ${labels.length} (the size of id2label), received ${c.numLabels}`);
    }
  } else {
    labels = Array.from({ length: c.numLabels ?? 2 }, (_, i) => `LABEL_${i}`);
  }
  return { ...c, numLabels: labels.length, labels };
}

/**
 * Reads a Hugging Face `config.json` file into fets BERT options.
 *
 * @example
 * const miniConfig = readBertConfig('../shared/models/bert-mini/config.json');
 * const model = bertForTokenClassification({ ...miniConfig, numLabels: 25 });
 */
export function readBertConfig(path: string): BertConfigInput {
  // node:fs is looked up only here: the model code itself runs in a browser too.
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  return fromHfConfig(JSON.parse(fs.readFileSync(path, 'utf8')), path);
}

/**
 * Renders a resolved config as a Hugging Face `config.json` object (kept unknown keys, then the BERT keys,
 * `architectures`, `id2label`/`label2id`), sorted by key as HF writes it.
 *
 * @example
 * writeFileSync('config.json', JSON.stringify(toHfConfig(model.config, 'BertForTokenClassification'), null, 2));
 */
export function toHfConfig(config: BertConfig, architecture: string, withLabels = true): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config.hf };
  for (const [hfKey, key] of Object.entries(HF_TO_FETS)) {
    if (key === 'numLabels' || key === 'id2label') continue;
    out[hfKey] = config[key];
  }
  out.model_type = 'bert';
  out.position_embedding_type = 'absolute';
  out.architectures = [architecture];
  if (withLabels) {
    out.id2label = Object.fromEntries(config.labels.map((l, i) => [String(i), l]));
    out.label2id = Object.fromEntries(config.labels.map((l, i) => [l, i]));
  } else {
    delete out.id2label;
    delete out.label2id;
  }
  delete out.num_labels;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
