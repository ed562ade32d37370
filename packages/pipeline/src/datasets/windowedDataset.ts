import { z } from 'zod';
import { OpError, PipelineError, SampleIndexError, describeValue } from '../core/errors.js';
import type { DataDict } from '../core/op.js';
import { parseOptions } from '../core/options.js';
import { BertTokenize } from '../ops/text/bertTokenize.js';
import { wordWindows, type WordWindow } from '../text/wordWindows.js';
import { Dataset } from './dataset.js';

const schema = z.strictObject({
  /** The BertTokenize op the windows are cut for: its tokenizer counts sub-tokens, its `maxLen` sets the room. */
  tokenize: z.instanceof(BertTokenize, { message: 'expected the BertTokenize op of the Pipeline' }),
  /**
   * Sub-tokens shared by neighbouring windows (Hugging Face's `stride`), whole words only. Default: half the room
   * (`(maxLen − 2) / 2`, rounded down), so every word has a fair share of context on both sides.
   */
  stride: z.number().int().min(0).optional(),
  /** Key written to each sample: `Int32Array [sentence, start, ownStart, ownEnd, words]` (see {@link WindowedDataset}). */
  windowKey: z.string().min(1).default('window'),
});

/** Options of {@link WindowedDataset}. */
export type WindowedDatasetOptions = z.input<typeof schema>;

/** Length of the window record: sentence index, first word, first scored word, end of scored words, sentence words. */
export const WINDOW_FIELDS = 5;

/**
 * Long sentences as overlapping windows, so that no word is lost to `maxLen` (in training, evaluation, test and
 * inference alike). Every sentence whose sub-tokens exceed the BertTokenize op's room (`maxLen` − 2) becomes several
 * samples of whole words (see {@link wordWindows}); a sentence that fits is one sample, unchanged but for the added
 * window record. The op's input keys (words, and tags when present) are cut to the window; other keys are copied.
 *
 * Key out: `windowKey`: `Int32Array [sentence, start, ownStart, ownEnd, words]`: the source index of the sentence, the
 * window's first word in it, the words this window scores (`[ownStart, ownEnd)`, in sentence positions; each word of
 * a sentence is scored by exactly one window: the one giving it the most context) and the sentence's word count.
 * SeqEval and TagPredictions put whole sentences back together from it (`windowKey`).
 *
 * @example
 * const tokenize = new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y', 'wordIds'], tokenizer, labels,
 *   maxLen: 64, returnWordIds: true });
 * const train = new WindowedDataset(conllTrain, { tokenize });   // length ≥ conllTrain.length
 */
export class WindowedDataset<S extends DataDict = DataDict, K extends string = 'window'> extends Dataset<S & { [P in K]: Int32Array }> {
  readonly options: z.output<typeof schema> & { stride: number };
  /** For each window: its sentence and its word ranges. */
  readonly windows: readonly { sentence: number; window: WordWindow }[];
  /** How many sentences needed more than one window. */
  readonly splitSentences: number;
  /** Words with at least one sub-token, summed over the windows: the positions BertTokenize labels (first sub-tokens). */
  readonly labelledWords: number;
  private readonly cutKeys: readonly string[];
  private readonly sourceLength: number;

  constructor(
    /** The sentences (map-style data set with the op's input keys). */
    readonly source: Dataset<S>,
    options: WindowedDatasetOptions & { windowKey?: K },
  ) {
    super();
    const o = parseOptions(new.target.name, schema, options);
    const room = o.tokenize.maxLen - 2;
    this.options = { ...o, stride: o.stride ?? Math.floor(room / 2) };
    this.cutKeys = o.tokenize.inputs;
    const wordsKey = o.tokenize.inputs[0]!;
    const tok = o.tokenize.tokenizer;
    const windows: { sentence: number; window: WordWindow }[] = [];
    let split = 0;
    let labelled = 0;
    for (let s = 0; s < source.length; s++) {
      const words = source.get(s)[wordsKey];
      if (!Array.isArray(words)) {
        throw new OpError(new.target.name, wordsKey, `expected an array of words, received ${describeValue(words)}`).locate({
          mode: 'train',
          dsId: '',
          index: s,
          source: source.describe(s),
        });
      }
      const counts = words.map((w) => (typeof w === 'string' ? tok.wordToIds(w).length : 0));
      const ws = wordWindows(counts, room, this.options.stride);
      if (ws.length > 1) split++;
      for (const window of ws) {
        windows.push({ sentence: s, window });
        for (let w = window.start; w < window.end; w++) if (counts[w]! > 0) labelled++;
      }
    }
    this.windows = windows;
    this.splitSentences = split;
    this.labelledWords = labelled;
    this.sourceLength = source.length;
  }

  get length(): number {
    return this.windows.length;
  }

  get(index: number): S & { [P in K]: Int32Array } {
    if (this.source.length !== this.sourceLength) {
      throw new PipelineError(
        `WindowedDataset: its source held ${this.sourceLength} sentences when the windows were cut and holds ${this.source.length} now ` +
          '(split or changed after): cut the windows after splitting',
      );
    }
    const entry = this.windows[index];
    if (!entry) throw new SampleIndexError('WindowedDataset', index, this.windows.length);
    const { sentence, window: w } = entry;
    const d: DataDict = this.source.get(sentence);
    const n = (d[this.cutKeys[0]!] as unknown[]).length;
    if (w.start !== 0 || w.end !== n) {
      for (const k of this.cutKeys) if (Array.isArray(d[k])) d[k] = (d[k] as unknown[]).slice(w.start, w.end);
    }
    d[this.options.windowKey] = Int32Array.of(sentence, w.start, w.ownStart, w.ownEnd, n);
    return d as S & { [P in K]: Int32Array };
  }

  override keys(): string[] {
    return [...this.source.keys(), this.options.windowKey];
  }

  override describe(index: number, position?: number): string | undefined {
    const { sentence, window } = this.windows[index]!;
    return this.source.describe(sentence, position === undefined ? undefined : window.start + position);
  }
}
