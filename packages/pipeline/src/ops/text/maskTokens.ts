import { z } from 'zod';
import { OpError, describeValue } from '../../core/errors.js';
import { opOptionsSchema } from '../../core/op.js';
import { keysSchema, toKeyList } from '../../core/options.js';
import { randomInt } from '../../core/random.js';
import { BertWordPieceTokenizer } from '../../text/bertWordPieceTokenizer.js';
import { NumpyOp, type PipelineState } from '../numpyOp.js';

/** What each output key of {@link MaskTokens} holds (`returns` lists them in the order of the output keys). */
export const MASK_TOKENS_OUTPUTS = ['inputIds', 'labels', 'maskedPositions', 'maskedLabels', 'maskedWeights'] as const;
/** One of {@link MASK_TOKENS_OUTPUTS}. */
export type MaskTokensOutput = (typeof MASK_TOKENS_OUTPUTS)[number];

const FIXED_SIZE: ReadonlySet<MaskTokensOutput> = new Set(['maskedPositions', 'maskedLabels', 'maskedWeights']);

/** Options of {@link MaskTokens}. */
export const maskTokensOptions = opOptionsSchema
  .extend({
    /** The key of the token ids (`Int32Array` or `number[]`, e.g. from `packSentences` or `BertTokenize`). */
    inputs: keysSchema,
    /** One key per entry of `returns`, in that order. */
    outputs: keysSchema,
    /** The tokenizer whose vocabulary the ids come from (special ids, `[MASK]`, `##` continuations, random pool). */
    tokenizer: z.instanceof(BertWordPieceTokenizer, { message: 'expected a BertWordPieceTokenizer' }),
    /** Fraction of the candidate tokens chosen for prediction (default 0.15). */
    maskProb: z.number().gt(0).lt(1).default(0.15),
    /** Fraction of the chosen tokens replaced by `[MASK]` (default 0.8). */
    maskTokenRate: z.number().min(0).max(1).default(0.8),
    /** Fraction of the chosen tokens replaced by a random token (default 0.1); the rest stay unchanged. */
    randomTokenRate: z.number().min(0).max(1).default(0.1),
    /** Choose whole words: a `##` piece is chosen together with the pieces before it (default false). */
    wholeWord: z.boolean().default(false),
    /** Most predictions per sequence (BERT's `max_predictions_per_seq`); the size of the `masked*` outputs. */
    maxPredictions: z.number().int().min(1).optional(),
    /** The outputs, in the order of the output keys (default `['inputIds', 'labels']`); see {@link MaskTokens}. */
    returns: z.array(z.enum(MASK_TOKENS_OUTPUTS)).min(1).readonly().default(['inputIds', 'labels']),
    /** Label of positions not chosen, and of unused `maskedLabels` slots (default -100). */
    ignoreIndex: z.number().int().default(-100),
    /** The mask token (default `[MASK]`). */
    maskToken: z.string().min(1).default('[MASK]'),
  })
  .superRefine((o, ctx) => {
    const inputs = toKeyList(o.inputs);
    const outputs = toKeyList(o.outputs);
    if (inputs.length !== 1) ctx.addIssue({ code: 'custom', path: ['inputs'], message: 'expected one key (the token ids)' });
    if (outputs.length !== o.returns.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['outputs'],
        message: `expected ${o.returns.length} keys, one per entry of returns (${o.returns.join(', ')})`,
      });
    }
    if (new Set(o.returns).size !== o.returns.length)
      ctx.addIssue({ code: 'custom', path: ['returns'], message: 'expected each kind at most once' });
    if (o.maxPredictions === undefined && o.returns.some((k) => FIXED_SIZE.has(k))) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxPredictions'],
        message: 'expected a size for maskedPositions / maskedLabels / maskedWeights',
      });
    }
    if (o.maskTokenRate + o.randomTokenRate > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['randomTokenRate'],
        message: `expected maskTokenRate + randomTokenRate <= 1, received ${o.maskTokenRate} + ${o.randomTokenRate}`,
      });
    }
    if (!o.tokenizer.vocab.has(o.maskToken)) {
      ctx.addIssue({ code: 'custom', path: ['maskToken'], message: `the vocabulary has no ${JSON.stringify(o.maskToken)} token` });
    }
  });

/** Options of {@link MaskTokens} (see {@link maskTokensOptions}). */
export type MaskTokensOptions = z.input<typeof maskTokensOptions>;

/**
 * BERT's masked-language-model corruption, drawn anew for every sample in every epoch (dynamic masking, as RoBERTa)
 * from the Pipeline's per-sample random numbers, so a run repeats given the Pipeline seed.
 *
 * Candidates are all tokens except the special ones: `[CLS]`, `[SEP]`, `[PAD]`, `[MASK]` and also `[UNK]` (as
 * Hugging Face's data collator: predicting `[UNK]` teaches nothing, and it stays visible as context). Of the
 * `n` candidates, `min(maxPredictions, max(1, round(n · maskProb)))` are chosen (a sequence without candidates gets
 * none); with `wholeWord`, a word (a piece and the `##` pieces after it) is chosen whole or not at all, words in random
 * order, skipping a word that would overshoot the count (as Google's `create_pretraining_data.py`). Each chosen token
 * independently becomes `[MASK]` (`maskTokenRate`), a random token (`randomTokenRate`, drawn uniformly from the
 * vocabulary without bracketed tokens such as `[CLS]` or `[unused0]`), or stays as it is.
 *
 * Key in: token ids (`Int32Array` / `number[]`, any length, padding allowed). Keys out, per `returns`:
 * - `inputIds`: the corrupted ids (`Int32Array`, same length);
 * - `labels`: the original id at chosen positions, `ignoreIndex` elsewhere (`Int32Array`, same length);
 * - `maskedPositions`: the chosen positions in ascending order, then 0s (`Int32Array` [maxPredictions]);
 * - `maskedLabels`: the original ids at those positions, then `ignoreIndex` (`Int32Array` [maxPredictions]);
 * - `maskedWeights`: 1 for a used slot, 0 for padding (`Float32Array` [maxPredictions]).
 * The `masked*` outputs let a model compute vocabulary logits at the chosen positions only.
 *
 * @example
 * new MaskTokens({ inputs: 'inputIds', outputs: ['x', 'maskedPositions', 'maskedLabels'], tokenizer,
 *   returns: ['inputIds', 'maskedPositions', 'maskedLabels'], maxPredictions: 10, mode: 'train' });
 * // [101, 2023, 2003, 1037, 3231, 102] → x [101, 2023, 103, 1037, 3231, 102], positions [2, 0, …], labels [2003, -100, …]
 */
export class MaskTokens<const O extends MaskTokensOptions = MaskTokensOptions> extends NumpyOp<typeof maskTokensOptions, O> {
  readonly tokenizer: BertWordPieceTokenizer;
  readonly maskProb: number;
  readonly maskTokenRate: number;
  readonly randomTokenRate: number;
  readonly wholeWord: boolean;
  readonly maxPredictions: number | undefined;
  readonly returns: readonly MaskTokensOutput[];
  readonly ignoreIndex: number;
  /** Id of the mask token. */
  readonly maskId: number;
  /** Ids never chosen: `[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`. */
  readonly specialIds: readonly number[];
  /** Ids a chosen token may be replaced with (the vocabulary minus bracketed tokens). */
  readonly randomPool: Int32Array;
  private readonly special: Uint8Array;
  private readonly continuation: Uint8Array;

  constructor(options: O) {
    super(options, maskTokensOptions);
    const o = this.options;
    const tok = o.tokenizer;
    this.tokenizer = tok;
    this.maskProb = o.maskProb;
    this.maskTokenRate = o.maskTokenRate;
    this.randomTokenRate = o.randomTokenRate;
    this.wholeWord = o.wholeWord;
    this.maxPredictions = o.maxPredictions;
    this.returns = o.returns;
    this.ignoreIndex = o.ignoreIndex;
    this.maskId = tok.vocab.get(o.maskToken)!;
    this.specialIds = [...new Set([tok.clsId, tok.sepId, tok.padId, tok.unkId, this.maskId])];
    const size = tok.vocabSize;
    this.special = new Uint8Array(size);
    for (const id of this.specialIds) this.special[id] = 1;
    this.continuation = new Uint8Array(size);
    const pool: number[] = [];
    tok.idToToken.forEach((t, id) => {
      if (t === undefined) return;
      if (t.startsWith('##')) this.continuation[id] = 1;
      if (!(t.startsWith('[') && t.endsWith(']'))) pool.push(id);
    });
    this.randomPool = Int32Array.from(pool);
    const pads: Record<MaskTokensOutput, number> = {
      inputIds: tok.padId,
      labels: this.ignoreIndex,
      maskedPositions: 0,
      maskedLabels: this.ignoreIndex,
      maskedWeights: 0,
    };
    this.padValues = Object.fromEntries(this.outputs.map((k, i) => [k, pads[this.returns[i]!]]));
  }

  /** Whether id `id` is never chosen (special or outside the vocabulary). */
  isSpecial(id: number): boolean {
    return id < 0 || id >= this.special.length || this.special[id] === 1;
  }

  /** Number of tokens chosen out of `candidates` (before whole-word grouping). */
  numToPredict(candidates: number): number {
    if (candidates === 0) return 0;
    const n = Math.max(1, Math.round(candidates * this.maskProb));
    return this.maxPredictions === undefined ? n : Math.min(this.maxPredictions, n);
  }

  override forward(data: unknown, state?: PipelineState): unknown {
    const key = this.inputs[0];
    if (!Array.isArray(data) && !(ArrayBuffer.isView(data) && !(data instanceof DataView))) {
      throw new OpError(this.name, key, `expected an array of token ids, received ${describeValue(data)}`);
    }
    const random = state?.random;
    if (typeof random !== 'function') {
      throw new OpError(
        this.name,
        key,
        'needs the Pipeline state (its per-sample random numbers): call it from a Pipeline or pass { random }',
      );
    }
    const ids = data as ArrayLike<number>;
    const n = ids.length;

    // Candidate groups: single tokens, or whole words (a piece plus the ## pieces right after it).
    const groupStart = new Int32Array(n);
    const groupLen = new Int32Array(n);
    let groups = 0;
    let candidates = 0;
    let prevCandidate = false;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id)) throw new OpError(this.name, key, `position ${i}: expected an integer id, received ${describeValue(id)}`);
      if (this.isSpecial(id)) {
        prevCandidate = false;
        continue;
      }
      candidates++;
      if (this.wholeWord && prevCandidate && this.continuation[id] === 1) groupLen[groups - 1] = groupLen[groups - 1]! + 1;
      else {
        groupStart[groups] = i;
        groupLen[groups] = 1;
        groups++;
      }
      prevCandidate = true;
    }

    // Choose groups in random order until the count is reached (partial Fisher–Yates over the groups).
    const want = this.numToPredict(candidates);
    const chosen = new Uint8Array(n);
    const order = new Int32Array(groups);
    for (let g = 0; g < groups; g++) order[g] = g;
    let count = 0;
    for (let k = 0; k < groups && count < want; k++) {
      const j = k + randomInt(random, groups - k);
      const g = order[j]!;
      order[j] = order[k]!;
      order[k] = g;
      const len = groupLen[g]!;
      if (count + len > want) continue;
      for (let p = groupStart[g]!; p < groupStart[g]! + len; p++) chosen[p] = 1;
      count += len;
    }

    // Corrupt the chosen tokens: [MASK], a random token, or unchanged.
    const out = Int32Array.from(ids);
    const labels = new Int32Array(n).fill(this.ignoreIndex);
    const P = this.maxPredictions ?? count;
    const positions = new Int32Array(P);
    const maskedLabels = new Int32Array(P).fill(this.ignoreIndex);
    const weights = new Float32Array(P);
    const pool = this.randomPool;
    let slot = 0;
    for (let i = 0; i < n; i++) {
      if (chosen[i] === 0) continue;
      const original = ids[i]!;
      labels[i] = original;
      positions[slot] = i;
      maskedLabels[slot] = original;
      weights[slot] = 1;
      slot++;
      const r = random();
      if (r < this.maskTokenRate) out[i] = this.maskId;
      else if (r < this.maskTokenRate + this.randomTokenRate) out[i] = pool[randomInt(random, pool.length)]!;
    }

    const values = this.returns.map((kind) => {
      switch (kind) {
        case 'inputIds':
          return out;
        case 'labels':
          return labels;
        case 'maskedPositions':
          return positions;
        case 'maskedLabels':
          return maskedLabels;
        case 'maskedWeights':
          return weights;
      }
    });
    return values.length === 1 ? values[0] : values;
  }
}
