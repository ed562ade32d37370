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

/** Names of the CRF's tensors in `model.safetensors` (pytorch-crf's, under `crf.`), by role. */
export const CRF_TENSORS = {
  /** `[C, C]`: score of tag j following tag i at `[i, j]`. */
  transitions: 'crf.transitions',
  /** `[C]`: score of each tag starting a sentence. */
  start: 'crf.start_transitions',
  /** `[C]`: score of each tag ending a sentence. */
  end: 'crf.end_transitions',
} as const;

/**
 * Which tag sequences decoding allows: 'iob2' forbids what strict IOB2 does not allow (`O → I-X`, `B-X → I-Y`,
 * `I-X → I-Y`, a sentence starting with `I-X`; see `iob2Constraints`), 'none' allows every sequence.
 */
export const modelFolderConstraintsSchema = z.enum(['iob2', 'none']);

/**
 * How the scores of the model become tags, one sentence window at a time, over each word's first sub-token:
 * `softmax` takes each word's most likely label (argmax of the logits), or with `constraints: 'iob2'` the most likely
 * sequence IOB2 allows (Viterbi over the log-softmax, no learned transitions: the recipe's `--decode constrained`);
 * `crf` takes the CRF's best path (Viterbi over the logits as emission scores plus the transitions stored in
 * `model.safetensors` under {@link CRF_TENSORS}), with `constraints: 'iob2'` forbidding what IOB2 does not allow.
 */
export const modelFolderHeadSchema = z.discriminatedUnion('type', [
  z.strictObject({
    /** Independent per-token labels from the logits. */
    type: z.literal('softmax'),
    /** 'none' (default): each word's argmax; 'iob2': the best IOB2-valid sequence of the log-softmax. */
    constraints: modelFolderConstraintsSchema.default('none'),
  }),
  z.strictObject({
    /** A linear-chain CRF over the words of a window: the logits are its emission scores. */
    type: z.literal('crf'),
    /** 'iob2': IOB2-forbidden transitions are never decoded; 'none': the CRF's transitions alone. */
    constraints: modelFolderConstraintsSchema,
    /** Where the CRF's scores are in `model.safetensors` (always {@link CRF_TENSORS}; written for readers of the file). */
    tensors: z
      .strictObject({
        transitions: z.literal(CRF_TENSORS.transitions),
        start: z.literal(CRF_TENSORS.start),
        end: z.literal(CRF_TENSORS.end),
      })
      .default({ ...CRF_TENSORS }),
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

/**
 * The int8 weights a folder holds beside its float32 ones (`fets export <folder> --quantize int8`): the dense layers'
 * weights quantized per output channel (docs/int8.md). `fets predict --int8` and `TokenTagger.load(folder, { int8: true })`
 * run them; every other reader keeps using `model.safetensors`.
 */
export const modelFolderInt8Schema = z.strictObject({
  /** The file of I8 weights and F32 scales (always `model.int8.safetensors`). */
  file: z.literal('model.int8.safetensors'),
  /** Symmetric per output channel (w ≈ q·scale, q in [−127, 127]); activations are quantized per token at run time. */
  scheme: z.literal('symmetric-per-channel'),
  /** The layers in int8, by weight name (`bert.encoder.layer.0.attention.self.query.weight`, …, `classifier.weight`). */
  layers: z.array(z.string().min(1)).min(1),
});

/** `fets.json`: the format marker, the task, the text settings, the head and a SHA-256 of every other file. */
export const modelFolderManifestSchema = z.strictObject({
  format: z.literal('fets-model-folder'),
  version: z.literal(1),
  /** What the model does (the only task so far). */
  task: z.literal('token-classification'),
  text: modelFolderTextSchema,
  head: modelFolderHeadSchema,
  /** Int8 weights beside the float32 ones, when exported with `--quantize int8`. */
  int8: modelFolderInt8Schema.optional(),
  /** SHA-256 (hex) of each file of the folder but `fets.json`, by file name. */
  sha256: z.record(z.string().min(1), z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits')),
});

/** The content of `fets.json` (see {@link modelFolderManifestSchema}). */
export type ModelFolderManifest = z.output<typeof modelFolderManifestSchema>;
