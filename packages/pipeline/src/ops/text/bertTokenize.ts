import { z } from 'zod';
import { OpError, describeValue } from '../../core/errors.js';
import { opOptionsSchema, type DataDict } from '../../core/op.js';
import { keysSchema, toKeyList } from '../../core/options.js';
import type { Mode } from '../../core/mode.js';
import type { Dataset } from '../../datasets/dataset.js';
import { BertWordPieceTokenizer } from '../../text/bertWordPieceTokenizer.js';
import { type FilteredData, NumpyOp, gatherInputs, type PipelineState } from '../numpyOp.js';

/** Options of {@link BertTokenize}. */
export const bertTokenizeOptions = opOptionsSchema
  .extend({
    /** `['words']` or `['words', 'tags']`: pre-split words and, when training, one tag string per word. */
    inputs: keysSchema,
    /**
     * Keys, in this order: ids; labels (when tags are an input); then token type ids, attention mask, word ids when the
     * matching `return*` option is set.
     */
    outputs: keysSchema,
    /** The WordPiece tokenizer (its vocabulary gives the ids, `[CLS]`, `[SEP]`, `[PAD]`). */
    tokenizer: z.instanceof(BertWordPieceTokenizer, { message: 'expected a BertWordPieceTokenizer' }),
    /** Label vocabulary: a tag's id is its index (required when tags are an input). */
    labels: z.array(z.string()).min(1).readonly().optional(),
    /** Longest output, `[CLS]` and `[SEP]` included (default 512, at least 3). */
    maxLen: z.number().int().min(3).default(512),
    /** Label every sub-token of a word, not only the first (a B-X tag continues as I-X when I-X exists). */
    labelAllTokens: z.boolean().default(false),
    /** Label on special tokens, padding, and non-first sub-tokens (default -100). */
    ignoreIndex: z.number().int().default(-100),
    /** Pad every output to `maxLen` (ids with the tokenizer's pad id, labels with `ignoreIndex`, word ids with -1). */
    pad: z.boolean().default(false),
    /** Output token type ids (all 0: one segment). */
    returnTokenTypeIds: z.boolean().default(false),
    /** Output the attention mask (1 on tokens, 0 on padding). */
    returnAttentionMask: z.boolean().default(false),
    /** Output the word index of each token (-1 for `[CLS]`, `[SEP]` and padding) to map predictions back to words. */
    returnWordIds: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    const inputs = toKeyList(o.inputs);
    const outputs = toKeyList(o.outputs);
    if (inputs.length < 1 || inputs.length > 2) {
      ctx.addIssue({ code: 'custom', path: ['inputs'], message: "expected ['words'] or ['words', 'tags']" });
      return;
    }
    if (inputs.length === 2 && o.labels === undefined) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: 'expected the label vocabulary (string[]) when tags are an input' });
    }
    const want = expectedOutputs(inputs.length === 2, o);
    if (outputs.length !== want.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['outputs'],
        message: `expected ${want.length} keys (${want.join(', ')})`,
      });
    }
  });

interface OutputFlags {
  returnTokenTypeIds?: boolean;
  returnAttentionMask?: boolean;
  returnWordIds?: boolean;
}

/** The kinds of output, in the order the output keys name them. */
function expectedOutputs(withTags: boolean, o: OutputFlags): BertTokenizeOutput[] {
  const kinds: BertTokenizeOutput[] = ['inputIds'];
  if (withTags) kinds.push('labels');
  if (o.returnTokenTypeIds) kinds.push('tokenTypeIds');
  if (o.returnAttentionMask) kinds.push('attentionMask');
  if (o.returnWordIds) kinds.push('wordIds');
  return kinds;
}

/** What each output key of {@link BertTokenize} holds. */
export type BertTokenizeOutput = 'inputIds' | 'labels' | 'tokenTypeIds' | 'attentionMask' | 'wordIds';

/** Options of {@link BertTokenize} (see {@link bertTokenizeOptions}). */
export type BertTokenizeOptions = z.input<typeof bertTokenizeOptions>;

/**
 * BERT input from pre-split words (and tags): WordPiece ids wrapped in `[CLS]` … `[SEP]`, truncated to `maxLen`
 * (keeping both), and word-aligned label ids: a word's label on its first sub-token, `ignoreIndex` on the others (or
 * on all, with `labelAllTokens`), on special tokens and on padding. Keys in: `words: string[]`, optionally
 * `tags: string[]`. Keys out: `Int32Array`s. When the tags are absent (inference), the label output is not written.
 *
 * @example
 * new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels: ['O', 'B-ACTOR', 'I-ACTOR'],
 *   maxLen: 48 });
 * // { words: ['bruce', 'willis'], tags: ['B-ACTOR', 'I-ACTOR'] } → x [101, 5503, 12688, 102], y [-100, 1, 2, -100]
 */
export class BertTokenize<const O extends BertTokenizeOptions = BertTokenizeOptions> extends NumpyOp<typeof bertTokenizeOptions, O> {
  /** Compile time only: words and tags are string lists, every output is ids. */
  declare readonly '~io': { in: [readonly string[], readonly string[]]; out: Int32Array[] };
  readonly tokenizer: BertWordPieceTokenizer;
  readonly labels: readonly string[];
  readonly maxLen: number;
  readonly labelAllTokens: boolean;
  readonly ignoreIndex: number;
  readonly pad: boolean;
  /** What each output key holds, in order. */
  readonly outputKinds: readonly BertTokenizeOutput[];
  /** Inputs that may be missing (the tags, at inference): the op then writes no labels. */
  override readonly optionalInputs: readonly string[];
  private readonly labelIds: ReadonlyMap<string, number>;
  /** Label id used on non-first sub-tokens with labelAllTokens (B-X → I-X when it exists). */
  private readonly continuation: Int32Array;

  constructor(options: O) {
    super(options, bertTokenizeOptions);
    const o = this.options;
    this.tokenizer = o.tokenizer;
    this.labels = o.labels ?? [];
    this.maxLen = o.maxLen;
    this.labelAllTokens = o.labelAllTokens;
    this.ignoreIndex = o.ignoreIndex;
    this.pad = o.pad;
    const withTags = this.inputs.length === 2;
    this.outputKinds = expectedOutputs(withTags, o);
    this.optionalInputs = withTags ? [this.inputs[1]!] : [];
    const ids = new Map<string, number>();
    this.labels.forEach((l, i) => {
      if (!ids.has(l)) ids.set(l, i);
    });
    this.labelIds = ids;
    this.continuation = Int32Array.from(this.labels, (l, i) =>
      l.startsWith('B-') && ids.has(`I-${l.slice(2)}`) ? ids.get(`I-${l.slice(2)}`)! : i,
    );
    const pads: Record<BertTokenizeOutput, number> = {
      inputIds: this.tokenizer.padId,
      labels: this.ignoreIndex,
      tokenTypeIds: 0,
      attentionMask: 0,
      wordIds: -1,
    };
    this.padValues = Object.fromEntries(this.outputs.map((k, i) => [k, pads[this.outputKinds[i]!]]));
  }

  private checkWords(words: unknown): readonly string[] {
    if (!Array.isArray(words)) {
      throw new OpError(
        this.name,
        this.inputs[0],
        `expected an array of pre-split words, received ${describeValue(words)}${typeof words === 'string' ? ' (split it first, e.g. with Tokenize)' : ''}`,
      );
    }
    return words as readonly string[];
  }

  /** Label id of each word (throws on unknown tags). */
  private tagIds(tags: unknown, nWords: number): Int32Array {
    const key = this.inputs[1];
    if (!Array.isArray(tags)) throw new OpError(this.name, key, `expected an array of tags, received ${describeValue(tags)}`);
    if (tags.length !== nWords) {
      throw new OpError(
        this.name,
        key,
        `expected one tag per word: ${nWords} words ("${this.inputs[0]}") but ${tags.length} tags ("${key}")`,
      );
    }
    const out = new Int32Array(nWords);
    for (let i = 0; i < nWords; i++) {
      const id = this.labelIds.get(tags[i] as string);
      if (id === undefined) {
        const known = this.labels.length > 30 ? `${this.labels.slice(0, 30).join(', ')}, …` : this.labels.join(', ');
        throw new OpError(
          this.name,
          key,
          `tag ${describeValue(tags[i])} (word ${i}) is not in labels (${this.labels.length} known: ${known})`,
        );
      }
      out[i] = id;
    }
    return out;
  }

  /**
   * Where each word's first sub-token lands in this op's `inputIds` output for `words` (-1 for a word cut by
   * `maxLen`): the positions whose predictions are the words' (the same alignment as the labels).
   *
   * @example
   * op.firstTokenPositions(['bruce', 'willis']); // Int32Array [1, 2]
   */
  firstTokenPositions(words: readonly string[]): Int32Array {
    const out = new Int32Array(words.length).fill(-1);
    const end = this.maxLen - 1;
    let pos = 1;
    for (let w = 0; w < words.length && pos < end; w++) {
      const n = this.tokenizer.wordToIds(words[w]!).length;
      if (n > 0) out[w] = pos;
      pos += n;
    }
    return out;
  }

  /**
   * Every tag of a data set must be a label: the first that is not stops the run before training, located at its
   * sample and (for a file) its line.
   */
  override checkData(data: Dataset, where: { mode: Mode; dsId: string }): void {
    if (this.inputs.length !== 2) return;
    const key = this.inputs[1]!;
    // A CoNLL file's tags without building samples (duck-typed: the text ops import no file readers).
    const conll = data as Dataset & { tagSequences?: () => (readonly string[])[] };
    const sequences = typeof conll.tagSequences === 'function' && data.keys()[1] === key ? conll.tagSequences() : undefined;
    for (let i = 0; i < data.length; i++) {
      const tags = sequences ? sequences[i] : data.get(i)[key];
      if (!Array.isArray(tags)) continue; // forward reports a sample without tags
      for (let w = 0; w < tags.length; w++) {
        if (this.labelIds.has(tags[w] as string)) continue;
        const known = this.labels.length > 30 ? `${this.labels.slice(0, 30).join(', ')}, …` : this.labels.join(', ');
        throw new OpError(
          this.name,
          key,
          `tag ${describeValue(tags[w])} (word ${w}) is not in labels (${this.labels.length} known: ${known}); found before training`,
        ).locate({ mode: where.mode, dsId: where.dsId, index: i, source: data.describe(i, w) });
      }
    }
  }

  override forward(data: unknown, _state?: PipelineState): (Int32Array | undefined)[] | Int32Array {
    const withTags = this.inputs.length === 2;
    const [wordsIn, tagsIn] = withTags ? (data as unknown[]) : [data, undefined];
    const words = this.checkWords(wordsIn);
    const nWords = words.length;
    const tags = tagsIn === undefined || tagsIn === null ? undefined : this.tagIds(tagsIn, nWords);

    // Pass 1: the ids of each word (cached in the tokenizer), and how many tokens fit.
    const tok = this.tokenizer;
    const room = this.maxLen - 2;
    const perWord: (readonly number[])[] = new Array(nWords);
    let content = 0;
    for (let w = 0; w < nWords; w++) {
      const word = words[w];
      if (typeof word !== 'string') {
        throw new OpError(this.name, this.inputs[0], `word ${w}: expected a string, received ${describeValue(word)}`);
      }
      const ids = tok.wordToIds(word);
      perWord[w] = ids;
      content += ids.length;
    }
    if (content > room) content = room;
    const len = this.pad ? this.maxLen : content + 2;

    // Pass 2: fill.
    const kinds = this.outputKinds;
    const ids = new Int32Array(len);
    const labels = tags !== undefined && kinds.includes('labels') ? new Int32Array(len).fill(this.ignoreIndex) : undefined;
    const wordIds = kinds.includes('wordIds') ? new Int32Array(len).fill(-1) : undefined;
    ids[0] = tok.clsId;
    let pos = 1;
    const end = content + 1;
    const cont = this.continuation;
    for (let w = 0; w < nWords && pos < end; w++) {
      const wids = perWord[w]!;
      for (let k = 0; k < wids.length && pos < end; k++, pos++) {
        ids[pos] = wids[k]!;
        if (labels !== undefined) {
          const label = tags![w]!;
          if (k === 0) labels[pos] = label;
          else if (this.labelAllTokens) labels[pos] = cont[label]!;
        }
        if (wordIds !== undefined) wordIds[pos] = w;
      }
    }
    ids[pos] = tok.sepId;
    if (this.pad && tok.padId !== 0) ids.fill(tok.padId, pos + 1);

    const outs = kinds.map((kind): Int32Array | undefined => {
      switch (kind) {
        case 'inputIds':
          return ids;
        case 'labels':
          return labels;
        case 'tokenTypeIds':
          return new Int32Array(len);
        case 'attentionMask':
          return new Int32Array(len).fill(1, 0, content + 2);
        case 'wordIds':
          return wordIds;
      }
    });
    return outs.length === 1 ? outs[0]! : outs;
  }

  /** As NumpyOp's, but leaves the label key unwritten when the tags are absent (inference). */
  override apply(data: DataDict, state: PipelineState): FilteredData | undefined {
    const r = this.forward(gatherInputs(this, data), state);
    const vals = this.outputs.length === 1 ? [r] : (r as unknown[]);
    for (let i = 0; i < this.outputs.length; i++) if (vals[i] !== undefined) data[this.outputs[i]!] = vals[i];
    return undefined;
  }
}
