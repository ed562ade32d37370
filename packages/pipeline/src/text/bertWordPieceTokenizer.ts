import { z } from 'zod';
import { FetsError, describeValue } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import { basicTokenize, type BasicTokenizeOptions } from './basicTokenizer.js';
import { VocabError, loadVocabFile } from './vocab.js';
import { maxPieceLength, wordPieceIds, type WordPieceVocab } from './wordpiece.js';

/** A tokenizer was called with input it cannot handle (wrong type, impossible length). */
export class TokenizerError extends FetsError {}

/** Options of {@link BertWordPieceTokenizer}. */
export const bertTokenizerOptionsSchema = z.strictObject({
  /** Lower-case text (uncased models). */
  lowercase: z.boolean().default(true),
  /** Strip accents (NFD, drop Mn); defaults to `lowercase`, as in Hugging Face. */
  stripAccents: z.boolean().optional(),
  /** Lower-case each character alone (Σ → σ always), as HF's Rust `tokenizers`; default: Python's `str.lower()`. */
  charwiseLowercase: z.boolean().default(false),
  unkToken: z.string().min(1).default('[UNK]'),
  clsToken: z.string().min(1).default('[CLS]'),
  sepToken: z.string().min(1).default('[SEP]'),
  padToken: z.string().min(1).default('[PAD]'),
  /** Words longer than this many code points become `[UNK]` (reference: 100). */
  maxInputCharsPerWord: z.number().int().min(1).default(100),
  /** Entries in each word → ids cache before it is cleared (0: no cache). */
  cacheSize: z.number().int().min(0).default(200_000),
});
/** Options of {@link BertWordPieceTokenizer} as written by a user. */
export type BertTokenizerOptions = z.input<typeof bertTokenizerOptionsSchema>;

/** Options of {@link BertWordPieceTokenizer.encode}. */
export interface EncodeOptions {
  /** Input is a list of words, each tokenized alone (default: true for an array, false for a string). */
  isSplitIntoWords?: boolean;
  /** Longest output, special tokens included; truncation drops trailing tokens but keeps `[CLS]` and `[SEP]`. */
  maxLength?: number;
  /** Wrap in `[CLS]` … `[SEP]` (default true). */
  addSpecialTokens?: boolean;
}

/** What {@link BertWordPieceTokenizer.encode} returns (Hugging Face's field meanings, camelCased). */
export interface Encoding {
  /** Vocabulary ids. */
  inputIds: number[];
  /** Token strings, one per id. */
  tokens: string[];
  /** Segment ids (all 0 for one sequence). */
  tokenTypeIds: number[];
  /** 1 for every token (no padding is added here). */
  attentionMask: number[];
  /** Index of the word each token comes from (input word, or basic token of a text); null for special tokens. */
  wordIds: (number | null)[];
}

/**
 * Google BERT's WordPiece tokenizer (`FullTokenizer`: basic tokenization, then greedy longest-match WordPiece with
 * `##` continuations), with Hugging Face-style `encode` for pre-split words: word ids per token, `[CLS]`/`[SEP]` kept on
 * truncation. Per-word results are cached, so repeated words cost one map lookup.
 *
 * @example
 * const tok = await BertWordPieceTokenizer.fromVocabFile('vocab.txt', { lowercase: true });
 * tok.tokenize('Héllo wörld!');                    // ['hello', 'world', '!']
 * tok.encode(['whats', 'up'], { maxLength: 16 }); // { inputIds: [101, 2054, 2015, 2039, 102], wordIds: [null, 0, 0, 1, null], … }
 */
export class BertWordPieceTokenizer {
  /** Token → id. */
  readonly vocab: ReadonlyMap<string, number>;
  /** Id → token. */
  readonly idToToken: readonly string[];
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  /** Options after defaults (stripAccents resolved). */
  readonly options: Readonly<z.output<typeof bertTokenizerOptionsSchema> & { stripAccents: boolean }>;
  private readonly basic: BasicTokenizeOptions;
  private readonly wp: WordPieceVocab;
  private readonly wordCache = new Map<string, readonly number[]>();
  private readonly tokenCache = new Map<string, readonly number[]>();

  /**
   * Builds a tokenizer from a vocabulary: a list of tokens (id = index), a Map, or a record of token → id.
   *
   * @example
   * new BertWordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'un', '##aff', '##able'], { lowercase: true });
   */
  constructor(
    vocab: readonly string[] | ReadonlyMap<string, number> | Readonly<Record<string, number>>,
    options: BertTokenizerOptions = {},
  ) {
    const o = parseOptions('BertWordPieceTokenizer', bertTokenizerOptionsSchema, options);
    this.options = { ...o, stripAccents: o.stripAccents ?? o.lowercase };
    const map = new Map<string, number>();
    if (Array.isArray(vocab)) (vocab as readonly string[]).forEach((t, i) => map.set(t, i));
    else if (vocab instanceof Map) for (const [t, i] of vocab) map.set(t, i);
    else for (const t of Object.keys(vocab)) map.set(t, (vocab as Record<string, number>)[t]!);
    const idToToken: string[] = [];
    for (const [t, i] of map) {
      if (!Number.isInteger(i) || i < 0)
        throw new VocabError(`token ${describeValue(t)} has id ${describeValue(i)}, expected an integer >= 0`);
      idToToken[i] = t;
    }
    this.vocab = map;
    this.idToToken = idToToken;
    const need = (name: string, token: string): number => {
      const id = map.get(token);
      if (id === undefined) throw new VocabError(`the vocabulary (${map.size} tokens) has no ${name} token ${JSON.stringify(token)}`);
      return id;
    };
    this.unkId = need('unknown', o.unkToken);
    this.clsId = need('classifier', o.clsToken);
    this.sepId = need('separator', o.sepToken);
    this.padId = need('padding', o.padToken);
    this.basic = {
      lowercase: o.lowercase,
      stripAccents: this.options.stripAccents,
      charwiseLowercase: o.charwiseLowercase,
    };
    this.wp = {
      vocab: map,
      unkId: this.unkId,
      maxInputCharsPerWord: o.maxInputCharsPerWord,
      maxPieceLength: maxPieceLength(map),
    };
  }

  /**
   * Reads a `vocab.txt` (one token a line, id = line number) and builds a tokenizer.
   *
   * @example
   * const tok = await BertWordPieceTokenizer.fromVocabFile('bert-base-cased-vocab.txt', { lowercase: false });
   */
  static async fromVocabFile(path: string, options: BertTokenizerOptions = {}): Promise<BertWordPieceTokenizer> {
    const vocab = await loadVocabFile(path);
    try {
      return new BertWordPieceTokenizer(vocab, options);
    } catch (e) {
      if (e instanceof VocabError && e.file === undefined) throw new VocabError(e.message, path);
      throw e;
    }
  }

  /** Number of ids (largest id + 1). */
  get vocabSize(): number {
    return this.idToToken.length;
  }

  private remember(cache: Map<string, readonly number[]>, key: string, ids: readonly number[]): void {
    if (this.options.cacheSize === 0) return;
    if (cache.size >= this.options.cacheSize) cache.clear();
    cache.set(key, ids);
  }

  /** WordPiece ids of one basic token (cached). */
  private basicTokenIds(token: string): readonly number[] {
    let ids = this.tokenCache.get(token);
    if (ids === undefined) {
      const out: number[] = [];
      wordPieceIds(token, this.wp, out);
      ids = out;
      this.remember(this.tokenCache, token, ids);
    }
    return ids;
  }

  /**
   * Ids of one pre-split word, tokenized alone (basic tokenization, then WordPiece); cached. The returned array is
   * shared with the cache: do not modify it. A word that is only whitespace or control characters gives no ids.
   *
   * @example
   * tok.wordToIds('whats'); // [2054, 2015] ('what', '##s') with bert-base-uncased
   */
  wordToIds(word: string): readonly number[] {
    let ids = this.wordCache.get(word);
    if (ids === undefined) {
      const pieces = basicTokenize(word, this.basic);
      if (pieces.length === 1) ids = this.basicTokenIds(pieces[0]!);
      else {
        const out: number[] = [];
        for (const p of pieces) for (const id of this.basicTokenIds(p)) out.push(id);
        ids = out;
      }
      this.remember(this.wordCache, word, ids);
    }
    return ids;
  }

  /**
   * The reference `FullTokenizer.tokenize`: WordPiece token strings of a text, no special tokens.
   *
   * @example
   * tok.tokenize('unaffable'); // ['una', '##ffa', '##ble']
   */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new TokenizerError(`tokenize: expected a string, received ${describeValue(text)}`);
    const out: string[] = [];
    for (const p of basicTokenize(text, this.basic)) for (const id of this.basicTokenIds(p)) out.push(this.idToToken[id]!);
    return out;
  }

  /** Token strings of ids (unknown ids give `[UNK]`). */
  convertIdsToTokens(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (id) => this.idToToken[id] ?? this.options.unkToken);
  }

  /** Ids of token strings (tokens missing from the vocabulary give the unknown id). */
  convertTokensToIds(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.vocab.get(t) ?? this.unkId);
  }

  /**
   * Encodes a text or a list of pre-split words as one sequence: ids, token types, attention mask and the word each
   * token comes from (null for `[CLS]`/`[SEP]`). With `maxLength`, trailing tokens are dropped and `[CLS]`/`[SEP]`
   * kept.
   *
   * @example
   * tok.encode(['the', 'dark', 'knight'], { maxLength: 4 }).wordIds; // [null, 0, 1, null]
   */
  encode(input: string | readonly string[], options: EncodeOptions = {}): Encoding {
    const split = options.isSplitIntoWords ?? Array.isArray(input);
    const special = options.addSpecialTokens ?? true;
    const reserved = special ? 2 : 0;
    const max = options.maxLength;
    if (max !== undefined && (!Number.isInteger(max) || max < reserved)) {
      throw new TokenizerError(`encode: maxLength: expected an integer >= ${reserved}, received ${describeValue(max)}`);
    }
    let words: readonly string[];
    if (split) {
      if (!Array.isArray(input)) {
        throw new TokenizerError(`encode: isSplitIntoWords: expected an array of words, received ${describeValue(input)}`);
      }
      words = input;
    } else {
      if (typeof input !== 'string') {
        throw new TokenizerError(`encode: expected a string (or isSplitIntoWords with an array), received ${describeValue(input)}`);
      }
      words = basicTokenize(input, this.basic);
    }
    const limit = max === undefined ? Infinity : max - reserved;
    const inputIds: number[] = [];
    const wordIds: (number | null)[] = [];
    if (special) {
      inputIds.push(this.clsId);
      wordIds.push(null);
    }
    let content = 0;
    outer: for (let w = 0; w < words.length; w++) {
      const word = words[w];
      if (typeof word !== 'string') {
        throw new TokenizerError(`encode: word ${w}: expected a string, received ${describeValue(word)}`);
      }
      const ids = split ? this.wordToIds(word) : this.basicTokenIds(word);
      for (let k = 0; k < ids.length; k++) {
        if (content >= limit) break outer;
        inputIds.push(ids[k]!);
        wordIds.push(w);
        content++;
      }
    }
    if (special) {
      inputIds.push(this.sepId);
      wordIds.push(null);
    }
    return {
      inputIds,
      tokens: this.convertIdsToTokens(inputIds),
      tokenTypeIds: new Array<number>(inputIds.length).fill(0),
      attentionMask: new Array<number>(inputIds.length).fill(1),
      wordIds,
    };
  }
}
