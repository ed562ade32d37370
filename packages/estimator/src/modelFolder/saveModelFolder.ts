import { z } from 'zod';
import { BertTokenize, ConfigError } from '@fets/pipeline';
import {
  BertCrfForTokenClassification,
  BertForTokenClassification,
  CRF_TENSORS,
  atomicWriteFolder,
  modelFolderFiles,
  modelFolderHeadSchema,
  type Model,
  type ModelFolderHead,
} from '@fets/network';

/**
 * What a saver needs to write a model folder beside a model's weights (BestModelSaver's and ModelSaver's
 * `modelFolder` option): the Pipeline's BertTokenize op gives the tokenizer, `maxLen` and the alignment.
 */
export const modelFolderSpecSchema = z.strictObject({
  /** Folder to write (default: `model` in the saver's `saveDir`). */
  dir: z.string().min(1).optional(),
  /** The Pipeline's BertTokenize op: its tokenizer, `maxLen` and `labelAllTokens`; its labels must be the model's. */
  tokenize: z.instanceof(BertTokenize, { message: 'expected the BertTokenize op of the Pipeline' }),
  /** Sub-tokens shared by neighbouring windows of a long sentence, as WindowedDataset's `stride` (default half the room, `(maxLen − 2) / 2`). */
  stride: z.number().int().min(0).optional(),
  /** How entity spans are read from the tags: 'strict' IOB2 (default, as SeqEval) or 'default' (conlleval). */
  spans: z.enum(['strict', 'default']).default('strict'),
  /**
   * How scores become tags. Default: the model's own, `{ type: 'crf', constraints }` for a
   * BertCrfForTokenClassification (`'iob2'` when its CRF decodes with constraints), else `{ type: 'softmax' }` (each
   * word's argmax). `{ type: 'softmax', constraints: 'iob2' }` records constrained decoding (the recipe's
   * `--decode constrained`); a `crf` head needs a CRF model, and a CRF model is not saved as `softmax`.
   */
  head: modelFolderHeadSchema.optional(),
});

/** The `modelFolder` option of the savers (see {@link modelFolderSpecSchema}). */
export type ModelFolderSpec = z.input<typeof modelFolderSpecSchema>;

/**
 * Checks that a model can be written as a model folder with this spec (a BertForTokenClassification whose labels are
 * the BertTokenize op's and whose vocabulary is the tokenizer's); `owner` names the saver in the ConfigError.
 */
export function checkModelFolderSpec(
  model: Model,
  spec: z.output<typeof modelFolderSpecSchema>,
  owner: string,
): BertForTokenClassification {
  if (!(model instanceof BertForTokenClassification)) {
    throw new ConfigError(
      owner,
      [],
      `${owner}: modelFolder: expected the model to be a BertForTokenClassification, received "${model.name}"`,
    );
  }
  const labels = spec.tokenize.labels;
  if (labels.length !== model.labels.length || labels.some((l, i) => l !== model.labels[i])) {
    throw new ConfigError(
      owner,
      [],
      `${owner}: modelFolder.tokenize: labels: expected the model's ${model.labels.length} labels (${model.labels.join(', ')}), received ${labels.length} (${labels.join(', ')})`,
    );
  }
  const tokens = spec.tokenize.tokenizer.vocabSize;
  if (tokens !== model.config.vocabSize) {
    throw new ConfigError(
      owner,
      [],
      `${owner}: modelFolder.tokenize: the tokenizer has ${tokens} tokens, the model's vocabSize is ${model.config.vocabSize}`,
    );
  }
  folderHead(model, spec.head, owner);
  return model;
}

/** The head a model folder records for `model` (see {@link modelFolderSpecSchema}'s `head`); a ConfigError when they do not fit. */
export function folderHead(model: BertForTokenClassification, head: ModelFolderHead | undefined, owner: string): ModelFolderHead {
  const isCrf = model instanceof BertCrfForTokenClassification;
  if (head === undefined) {
    return isCrf
      ? { type: 'crf', constraints: model.crf.constraints ? 'iob2' : 'none', tensors: { ...CRF_TENSORS } }
      : { type: 'softmax', constraints: 'none' };
  }
  if (head.type === 'crf' && !isCrf) {
    throw new ConfigError(
      owner,
      [],
      `${owner}: modelFolder.head: "crf" needs a BertCrfForTokenClassification, received "${model.name}" (no CRF)`,
    );
  }
  if (head.type === 'softmax' && isCrf) {
    throw new ConfigError(
      owner,
      [],
      `${owner}: modelFolder.head: expected "crf" for a BertCrfForTokenClassification, received "softmax" (its transitions would go unused)`,
    );
  }
  return head;
}

/**
 * Writes `model` as a model folder at `dir`, atomically (a temporary folder beside it, renamed over it once every file
 * is written and fsynced): `config.json`, `model.safetensors`, `vocab.txt`, `tokenizer.json`, `tokenizer_config.json`,
 * `special_tokens_map.json` and `fets.json` (text settings, head, SHA-256 of every other file). Returns `dir`.
 * `fets predict <dir>`, `TokenTagger.load(dir)` and the web page read it with nothing else.
 *
 * @example
 * await saveModelFolder('runs/ner-bert/model', model, { tokenize, stride: 23 });
 */
export async function saveModelFolder(dir: string, model: Model, spec: ModelFolderSpec, owner = 'saveModelFolder'): Promise<string> {
  const s = modelFolderSpecSchema.parse(spec);
  const bert = checkModelFolderSpec(model, s, owner);
  const op = s.tokenize;
  const files = await modelFolderFiles(
    bert,
    {
      tokenizer: op.tokenizer,
      text: {
        maxLen: op.maxLen,
        stride: s.stride ?? Math.floor((op.maxLen - 2) / 2),
        alignment: 'first',
        labelAllTokens: op.labelAllTokens,
        spans: s.spans,
      },
      head: folderHead(bert, s.head, owner),
    },
    dir,
  );
  return atomicWriteFolder(
    dir,
    async (put) => {
      for (const [name, bytes] of files) await put(name, bytes);
    },
    { owner, kept: 'the previous model folder (if any) is unchanged and no temporary folder is left' },
  );
}
