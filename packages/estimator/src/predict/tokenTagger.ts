import { z } from 'zod';
import { AttentionMask, BertTokenize, FetsError, NDArray, Pipeline, parseOptions, wordWindows, type DataDict } from '@fets/pipeline';
import { INT8_FILE, Int8FolderError, releaseInt8, useInt8 } from '@fets/network';
import {
  HeadDecodingError,
  ModelOp,
  Network,
  TagDecode,
  decodeSequence,
  headDecoding,
  modelFolderHeadSchema,
  type CrfScores,
  type HeadDecoding,
  type LoadedModelFolder,
} from '@fets/network';
import { loadModelFolder } from '../modelFolder/loadModelFolder.js';
import { entitySpans } from '../traces/metric/seqeval/spans.js';
import type { PredictedSpan } from '../traces/io/tagPredictions.js';

/** A tagged sentence: its words, one tag per word, and the entity spans of those tags. */
export interface TaggedSentence {
  words: string[];
  tags: string[];
  entities: PredictedSpan[];
}

const describe = (v: unknown) => (v instanceof NDArray ? `shape [${v.shape}]` : typeof v);

/** Nothing in the experiment can tag words (no BertTokenize with labels, no scores output). */
export class TaggerError extends FetsError {}

const schema = z.strictObject({
  /** Key of the Network's scores `[B, L, C]` (default: the one output of that shape). */
  predKey: z.string().min(1).optional(),
  /** How spans are read from the tags: 'strict' IOB2 (as SeqEval and TagPredictions score them) or 'default'. */
  evalMode: z.enum(['strict', 'default']).default('strict'),
  /**
   * Sub-tokens shared by the overlapping windows of a sentence longer than the BertTokenize op's `maxLen` (as
   * WindowedDataset's `stride`); default half the room, `(maxLen − 2) / 2`.
   */
  stride: z.number().int().min(0).optional(),
  /**
   * How the scores become tags (default `{ type: 'softmax' }`: each word's argmax); a model folder records its own.
   * Ignored when the Network holds a TagDecode op (its tag ids are used).
   */
  head: modelFolderHeadSchema.default({ type: 'softmax', constraints: 'none' }),
  /**
   * Int8 inference, for a tagger made by {@link TokenTagger.load} / `fromModelFolder` (ignored otherwise): `true` runs
   * the dense layers on the folder's `model.int8.safetensors` (`fets export <folder> --quantize int8`; a folder without
   * it is an Int8FolderError), `'quantize'` quantizes the float weights at load; `false` (default) float32.
   */
  int8: z.union([z.boolean(), z.literal('quantize')]).default(false),
  /** The CRF's scores of a `crf` head (TokenTagger.load takes them from the folder's `model.safetensors`). */
  crf: z
    .custom<CrfScores>(
      (v) => typeof v === 'object' && v !== null && 'transitions' in v,
      'expected the CRF scores { transitions, start, end }',
    )
    .optional(),
});

/** Options of {@link TokenTagger}. */
export type TokenTaggerOptions = z.input<typeof schema>;

/**
 * Tags raw sentences with a trained token-classification experiment, as Hugging Face's
 * `pipeline("ner", aggregation_strategy="first")`: the experiment's own Pipeline (`transformBatch`, infer mode) and
 * Network (`transform`), each word's tag from its first sub-token (the positions BertTokenize labels), entity spans
 * from the tags. When the Network holds a `TagDecode` op (a CRF head, or constrained decoding), its tag ids are used
 * instead of the argmax of the scores. The BertTokenize op of the Pipeline gives the tokenizer, the labels and the alignment. A sentence
 * longer than the op's `maxLen` is tagged in overlapping windows ({@link wordWindows}), each word by the window that
 * gives it the most context, so every word gets a tag.
 *
 * @example
 * const tagger = new TokenTagger(estimator.pipeline, estimator.network);
 * const [s] = await tagger.tag([['have', 'you', 'seen', 'the', 'dark', 'knight']]);
 * s.entities; // [{ type: 'TITLE', first: 3, last: 5, text: 'the dark knight' }]
 */
export class TokenTagger {
  /** The Pipeline's BertTokenize op. */
  readonly tokenize: BertTokenize;
  /** Tag name of each class. */
  readonly labels: readonly string[];
  readonly options: z.output<typeof schema>;
  #predKey: string | undefined;
  /** The model folder this tagger was loaded from (its model is disposed by {@link dispose}). */
  #loaded: LoadedModelFolder | undefined;

  /**
   * A tagger from a model folder alone (written by BestModelSaver's `modelFolder`, `fets export`): no experiment file,
   * no training data, no network. The folder is checked first (every file there, each SHA-256 as recorded, the files
   * consistent; a ModelFolderError names the file otherwise); long sentences are read in the windows the folder
   * records (`maxLen`, `stride`), as the recipe reads them. `options` override the folder's (e.g. `stride`).
   *
   * @example
   * const tagger = await TokenTagger.load('runs/ner-bert/model');
   * const [s] = await tagger.tag([['tom', 'hanks', 'movies']]);
   * tagger.dispose();
   */
  static async load(folder: string, options: TokenTaggerOptions = {}): Promise<TokenTagger> {
    return TokenTagger.fromModelFolder(await loadModelFolder(folder), options);
  }

  /** {@link load} for a folder already read (e.g. by `readModelFolder` from fetched bytes). */
  static fromModelFolder(loaded: LoadedModelFolder, options: TokenTaggerOptions = {}): TokenTagger {
    const { text, head } = loaded.manifest;
    if (options.int8 === true && !loaded.int8)
      throw new Int8FolderError(
        loaded.folder,
        INT8_FILE,
        `not in the folder (fets.json records no int8 weights): write it with \`fets export ${loaded.folder} --quantize int8\`, or quantize at load (int8: 'quantize')`,
      );
    try {
      if (options.int8) useInt8(loaded.model, options.int8 === true ? loaded.int8 : undefined);
    } catch (e) {
      loaded.model.dispose();
      throw e;
    }
    const tokenize = new BertTokenize({
      inputs: 'words',
      outputs: 'x',
      tokenizer: loaded.tokenizer,
      labels: [...loaded.labels],
      maxLen: text.maxLen,
    });
    const pipeline = new Pipeline({ ops: [tokenize, new AttentionMask({ inputs: 'x', outputs: 'xMask' })] });
    const network = new Network([new ModelOp({ model: loaded.model, inputs: ['x', 'xMask'], outputs: 'yPred' })]);
    const tagger = new TokenTagger(pipeline, network, {
      predKey: 'yPred',
      evalMode: text.spans,
      stride: text.stride,
      head,
      ...(loaded.crf ? { crf: loaded.crf } : {}),
      ...options,
    });
    tagger.#loaded = loaded;
    return tagger;
  }

  /** Frees the model of a tagger made by {@link load} (a tagger over an experiment's Network owns nothing). */
  dispose(): void {
    if (this.#loaded) releaseInt8(this.#loaded.model);
    this.#loaded?.model.dispose();
    this.#loaded = undefined;
  }
  /** Output key of the Network's TagDecode op (CRF or constrained decoding), whose tag ids are used when present. */
  readonly tagKey: string | undefined;
  /** How the `head` option turns scores into tags when the Network has no TagDecode op. */
  readonly #decoding: HeadDecoding;

  constructor(
    readonly pipeline: Pipeline,
    readonly network: Network,
    options: TokenTaggerOptions = {},
  ) {
    this.options = parseOptions('TokenTagger', schema, options);
    const op = pipeline.ops.flatMap((o) => (o instanceof BertTokenize ? [o] : []))[0];
    if (!op) throw new TaggerError('TokenTagger: the Pipeline has no BertTokenize op (nothing aligns words and tokens)');
    if (op.labels.length === 0) throw new TaggerError('TokenTagger: the BertTokenize op has no labels (tag names)');
    this.tokenize = op;
    this.labels = op.labels;
    this.#predKey = this.options.predKey;
    // A Network-like stand-in (e.g. an ONNX runtime session behind `transform`) may have no ops: then no decoder.
    const ops: readonly unknown[] = network.ops ?? [];
    const decoders = ops.filter((o): o is TagDecode => o instanceof TagDecode && (o.modes === null || o.modes.has('infer')));
    this.tagKey = this.options.predKey === undefined ? decoders[0]?.outputKey : undefined;
    try {
      this.#decoding = headDecoding(this.options.head, this.labels, this.options.crf);
    } catch (e) {
      if (e instanceof HeadDecodingError) throw new TaggerError(`TokenTagger: ${e.message} (the crf option)`, { cause: e });
      throw e;
    }
  }

  /** The Network's output of scores `[B, L, C]` for these labels. */
  private scores(out: DataDict): NDArray {
    const want = this.#predKey;
    if (want !== undefined) {
      const v = out[want];
      if (!(v instanceof NDArray) || v.shape.length !== 3) {
        throw new TaggerError(
          `TokenTagger: predKey "${want}": expected scores [B, L, ${this.labels.length}], received ${v instanceof NDArray ? `shape [${v.shape}]` : typeof v}`,
        );
      }
      return v;
    }
    const found = Object.entries(out).filter(([, v]) => v instanceof NDArray && v.shape.length === 3 && v.shape[2] === this.labels.length);
    if (found.length !== 1) {
      throw new TaggerError(
        `TokenTagger: expected one Network output of shape [B, L, ${this.labels.length}], found ${found.length ? found.map(([k]) => k).join(', ') : 'none'}; set predKey`,
      );
    }
    this.#predKey = found[0]![0];
    return found[0]![1] as NDArray;
  }

  /** Tags a batch of sentences (each a list of words; empty sentences give empty results). */
  async tag(sentences: readonly (readonly string[])[]): Promise<TaggedSentence[]> {
    const results: TaggedSentence[] = sentences.map((w) => ({ words: [...w], tags: w.map(() => 'O'), entities: [] }));
    const op = this.tokenize;
    const room = op.maxLen - 2;
    const stride = this.options.stride ?? Math.floor(room / 2);
    const pieces = results.flatMap((r) => {
      if (r.words.length === 0) return [];
      const counts = r.words.map((w) => op.tokenizer.wordToIds(w).length);
      return wordWindows(counts, room, stride).map((w) => ({ r, w, words: r.words.slice(w.start, w.end) }));
    });
    if (pieces.length === 0) return results;
    const wordsKey = op.inputs[0]!;
    const batch = this.pipeline.transformBatch(
      pieces.map((p) => ({ [wordsKey]: p.words })),
      'infer',
    );
    const out = await this.network.transform(batch, 'infer');
    const found = this.tagKey === undefined ? undefined : out[this.tagKey];
    if (this.tagKey !== undefined && !(found instanceof NDArray && found.shape.length === 2)) {
      throw new TaggerError(`TokenTagger: the TagDecode output "${this.tagKey}": expected tag ids [B, L], received ${describe(found)}`);
    }
    const ids = found as NDArray | undefined;
    const scores = ids === undefined ? this.scores(out) : undefined;
    const len = (ids ?? scores)!.shape[1]!;
    if (scores !== undefined && scores.shape[2] !== this.labels.length) {
      throw new TaggerError(
        `TokenTagger: predKey "${this.#predKey}": expected scores [B, L, ${this.labels.length}] (one per label), received shape [${scores.shape}]`,
      );
    }
    const data = (ids ?? scores)!.data as ArrayLike<number>;
    pieces.forEach(({ r, w, words }, i) => {
      const positions = op.firstTokenPositions(words);
      // Every word of the window with a position, in order: the sequence a TagDecode op decodes, and the head here.
      const seq: { word: number; pos: number }[] = [];
      positions.forEach((pos, k) => {
        if (pos >= 0 && pos < len) seq.push({ word: w.start + k, pos });
      });
      // A TagDecode op's tag ids (CRF or constrained decoding) as they are; else the head's rule on the window's scores.
      const wordClasses =
        ids !== undefined
          ? seq.map((o) => data[i * len + o.pos]!)
          : decodeSequence(
              data,
              seq.map((o) => i * len + o.pos),
              this.#decoding.decode,
              this.#decoding.scores,
            );
      seq.forEach((o, j) => {
        if (o.word >= w.ownStart && o.word < w.ownEnd) r.tags[o.word] = this.labels[wordClasses[j]!]!;
      });
    });
    for (const r of results) r.entities = this.spans(r.words, r.tags);
    return results;
  }

  /** Entity spans of tags (`last` inclusive). */
  spans(words: readonly string[], tags: readonly string[]): PredictedSpan[] {
    return entitySpans(words, tags, this.options.evalMode);
  }
}
