import { z } from 'zod';

/** The fets file of a model folder: what inference needs beyond the Hugging Face files, and their checksums. */
export const MODEL_FOLDER_MANIFEST = 'fets.json';

/** The Hugging Face files every model folder holds besides `fets.json` (all checksummed in it). */
export const MODEL_FOLDER_FILES = [
  'config.json',
  'model.safetensors',
  'vocab.txt',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
] as const;

/**
 * How the scores of the model become tags: `softmax` takes each word's most likely label (argmax of the logits at
 * the word's first sub-token). Further heads (e.g. a CRF with its transitions) are further members of this union.
 */
export const modelFolderHeadSchema = z.discriminatedUnion('type', [
  z.strictObject({
    /** Independent per-token labels: argmax of the logits. */
    type: z.literal('softmax'),
  }),
]);

/** The head of a model folder (see {@link modelFolderHeadSchema}). */
export type ModelFolderHead = z.output<typeof modelFolderHeadSchema>;

/** The text ops' settings a model folder records: how words become windows of sub-tokens and tags come back. */
export const modelFolderTextSchema = z.strictObject({
  /** Longest window in sub-tokens, `[CLS]` and `[SEP]` included (BertTokenize's `maxLen`). */
  maxLen: z.number().int().min(3),
  /** Sub-tokens shared by neighbouring windows of a longer sentence (WindowedDataset's `stride`, resolved). */
  stride: z.number().int().min(0),
  /** Which sub-token of a word carries its tag: the first (BertTokenize's alignment; Hugging Face's `aggregation_strategy="first"`). */
  alignment: z.literal('first'),
  /** Whether training labelled every sub-token (BertTokenize's `labelAllTokens`); prediction reads the first either way. */
  labelAllTokens: z.boolean(),
  /** How entity spans are read from the tags: 'strict' IOB2 (as SeqEval scores them) or 'default' (conlleval). */
  spans: z.enum(['strict', 'default']),
  /** Lower-case each character alone (HF's Rust tokenizers) rather than Python's `str.lower()` (BertWordPieceTokenizer's `charwiseLowercase`). */
  charwiseLowercase: z.boolean(),
});

/** The text settings of a model folder (see {@link modelFolderTextSchema}). */
export type ModelFolderText = z.output<typeof modelFolderTextSchema>;

/** `fets.json`: the format marker, the task, the text settings, the head and a SHA-256 of every other file. */
export const modelFolderManifestSchema = z.strictObject({
  format: z.literal('fets-model-folder'),
  version: z.literal(1),
  /** What the model does (the only task so far). */
  task: z.literal('token-classification'),
  text: modelFolderTextSchema,
  head: modelFolderHeadSchema,
  /** SHA-256 (hex) of each file of the folder but `fets.json`, by file name. */
  sha256: z.record(z.string().min(1), z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits')),
});

/** The content of `fets.json` (see {@link modelFolderManifestSchema}). */
export type ModelFolderManifest = z.output<typeof modelFolderManifestSchema>;
