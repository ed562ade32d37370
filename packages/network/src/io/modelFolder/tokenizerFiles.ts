import { BertWordPieceTokenizer } from '@fets/pipeline/text';
import { ModelFolderFormatError, ModelFolderMismatchError } from './errors.js';

const MASK = '[MASK]';

/** The tokens of a tokenizer in id order (`vocab.txt`'s lines). */
export function vocabList(tokenizer: BertWordPieceTokenizer): string[] {
  const out: string[] = [];
  for (const [token, id] of tokenizer.vocab) out[id] = token;
  return out;
}

function specialTokens(tokenizer: BertWordPieceTokenizer): Record<string, string> {
  const o = tokenizer.options;
  const out: Record<string, string> = {
    cls_token: o.clsToken,
    ...(tokenizer.vocab.has(MASK) ? { mask_token: MASK } : {}),
    pad_token: o.padToken,
    sep_token: o.sepToken,
    unk_token: o.unkToken,
  };
  return out;
}

/**
 * The tokenizer files of a model folder, as Hugging Face writes them for a BERT WordPiece tokenizer: `vocab.txt`
 * (one token a line, id order), `tokenizer_config.json` (`BertTokenizer`, lower-casing, special tokens),
 * `special_tokens_map.json` and `tokenizer.json` (the `tokenizers` library's format: BertNormalizer, BertPreTokenizer,
 * WordPiece with `##` continuations, `[CLS] $A [SEP]`), which transformers.js reads.
 *
 * @example
 * const files = tokenizerFiles(tokenizer, 512); // { 'vocab.txt': '…', 'tokenizer.json': '…', … }
 */
export function tokenizerFiles(tokenizer: BertWordPieceTokenizer, modelMaxLength: number): Record<string, string> {
  const o = tokenizer.options;
  const vocab = vocabList(tokenizer);
  const special = specialTokens(tokenizer);
  const config = {
    clean_up_tokenization_spaces: true,
    ...special,
    do_basic_tokenize: true,
    do_lower_case: o.lowercase,
    model_max_length: modelMaxLength,
    never_split: null,
    strip_accents: o.stripAccents,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
  };
  const added = Object.values(special)
    .map((t) => ({ id: tokenizer.vocab.get(t)!, content: t }))
    .sort((a, b) => a.id - b.id)
    .map(({ id, content }) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const cls = { id: o.clsToken, type_id: 0 };
  const sep = { id: o.sepToken, type_id: 0 };
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: o.stripAccents,
      lowercase: o.lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: cls }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: sep }],
      pair: [
        { SpecialToken: cls },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: sep },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: o.sepToken, type_id: 1 } },
      ],
      special_tokens: {
        [o.clsToken]: { id: o.clsToken, ids: [tokenizer.clsId], tokens: [o.clsToken] },
        [o.sepToken]: { id: o.sepToken, ids: [tokenizer.sepId], tokens: [o.sepToken] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: o.unkToken,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: o.maxInputCharsPerWord,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
  return {
    'vocab.txt': `${vocab.join('\n')}\n`,
    'tokenizer_config.json': `${JSON.stringify(config, null, 2)}\n`,
    'special_tokens_map.json': `${JSON.stringify(special, null, 2)}\n`,
    'tokenizer.json': `${JSON.stringify(json, null, 2)}\n`,
  };
}

/** The texts {@link readTokenizerFiles} reads. */
export interface TokenizerTexts {
  vocab: string;
  tokenizerConfig: unknown;
  tokenizerJson: unknown;
}

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v.length > 0 ? v : fallback);

/**
 * The WordPiece tokenizer of a model folder: the vocabulary from `vocab.txt`, lower-casing, accents and special tokens
 * from `tokenizer_config.json`; `tokenizer.json` must agree with both (same tokens, same lower-casing), else a
 * {@link ModelFolderMismatchError} names it.
 */
export function readTokenizerFiles(folder: string, texts: TokenizerTexts, charwiseLowercase: boolean): BertWordPieceTokenizer {
  const lines = texts.vocab.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.at(-1) === '') lines.pop();
  const cfg = (texts.tokenizerConfig ?? {}) as Record<string, unknown>;
  if (typeof cfg !== 'object' || Array.isArray(cfg))
    throw new ModelFolderFormatError(folder, 'tokenizer_config.json', 'expected a JSON object');
  const lowercase = cfg.do_lower_case === undefined ? true : cfg.do_lower_case === true;
  const stripAccents = typeof cfg.strip_accents === 'boolean' ? cfg.strip_accents : lowercase;
  const json = texts.tokenizerJson as {
    model?: { type?: unknown; vocab?: Record<string, number>; max_input_chars_per_word?: unknown };
    normalizer?: { lowercase?: unknown };
  };
  const model = json?.model;
  if (model?.type !== 'WordPiece' || typeof model.vocab !== 'object' || model.vocab === null) {
    throw new ModelFolderFormatError(
      folder,
      'tokenizer.json',
      `model.type: expected a WordPiece model with a vocab, received ${JSON.stringify(model?.type)}`,
    );
  }
  const jsonVocab = Object.entries(model.vocab);
  if (jsonVocab.length !== lines.length)
    throw new ModelFolderMismatchError(
      folder,
      'tokenizer.json',
      'model.vocab',
      `${lines.length} tokens (as vocab.txt)`,
      `${jsonVocab.length}`,
    );
  for (const [token, id] of jsonVocab) {
    if (lines[id] !== token) {
      throw new ModelFolderMismatchError(
        folder,
        'tokenizer.json',
        `model.vocab["${token}"]`,
        lines.includes(token) ? `id ${lines.indexOf(token)} (as vocab.txt)` : 'no such token (vocab.txt has none)',
        `${id}`,
      );
    }
  }
  if (json.normalizer?.lowercase !== undefined && json.normalizer.lowercase !== lowercase) {
    throw new ModelFolderMismatchError(
      folder,
      'tokenizer.json',
      'normalizer.lowercase',
      `${lowercase} (as tokenizer_config.json's do_lower_case)`,
      String(json.normalizer.lowercase),
    );
  }
  try {
    return new BertWordPieceTokenizer(lines, {
      lowercase,
      stripAccents,
      charwiseLowercase,
      unkToken: str(cfg.unk_token, '[UNK]'),
      clsToken: str(cfg.cls_token, '[CLS]'),
      sepToken: str(cfg.sep_token, '[SEP]'),
      padToken: str(cfg.pad_token, '[PAD]'),
      ...(typeof model.max_input_chars_per_word === 'number' ? { maxInputCharsPerWord: model.max_input_chars_per_word } : {}),
    });
  } catch (e) {
    throw new ModelFolderFormatError(folder, 'vocab.txt', (e as Error).message, { cause: e });
  }
}
