import { atomicWriteFile } from '@fets/network';
import type { World } from '@fets/network';
import { interleave } from '../../distributed/interleave.js';
import path from 'node:path';
import { z } from 'zod';
import { dsIdSpecSchema, modeSpecSchema, parseOptions } from '@fets/pipeline';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { MetricInputError, argmaxLastAxis, asNDArray } from '../metric/labels.js';
import { alignPredictions } from '../metric/seqeval/align.js';
import { SentenceAssembler, addWordRows, checkWordKeys, wordKeysShape } from '../metric/sentenceTags.js';
import { SCHEMES } from '../metric/seqeval/schemes.js';
import { entitySpans, type EntitySpan } from '../metric/seqeval/spans.js';
import { checkWritable } from './fileSafety.js';
import type { QuietSig } from '../../core/traceKeys.js';

const schema = z
  .strictObject({
    /** Key of the words of each sentence (`string[]` per sample: the data set's words, kept in the batch). */
    wordsKey: z.string().min(1),
    /** Key of the label ids `[B, L]` (`ignoreIndex` where a position is not a word's first sub-token); not needed with `tagsKey`. */
    trueKey: z.string().min(1).optional(),
    /** Key of the logits or probabilities `[B, L, C]` (argmaxed) or predicted ids `[B, L]`. */
    predKey: z.string().min(1),
    /** Tag name of each label id. */
    labels: z.array(z.string().min(1)).min(1),
    /** Label id of positions that are not scored. */
    ignoreIndex: z.number().int().default(-100),
    /** Folder the files go to (created if missing; checked writable at construction). */
    saveDir: z.string().min(1),
    /** Scheme of the entity spans in the JSONL file (strict mode: seqeval's `Entities`); default IOB2. */
    scheme: z.enum(SCHEMES).default('IOB2'),
    /** 'strict' spans by the scheme's rules (as the SeqEval trace's default), or 'default' (conlleval chunks). */
    evalMode: z.enum(['strict', 'default']).default('strict'),
    /** Base name of the files: `${name}.conll` and `${name}.jsonl`. */
    name: z.string().min(1).default('predictions'),
    /** Modes the trace runs in (default test). */
    mode: modeSpecSchema.default('test'),
    /** Data sets the trace runs for (default all). */
    dsId: dsIdSpecSchema.optional(),
    ...wordKeysShape,
  })
  .superRefine(checkWordKeys);

/** Options of {@link TagPredictions}. */
export type TagPredictionsOptions = z.input<typeof schema>;

/** One entity span of a sentence in `predictions.jsonl` (see entitySpans). */
export type PredictedSpan = EntitySpan;

/**
 * Writes a token-classification epoch's predictions (Hugging Face's `predictions.txt`), by default in the test epoch:
 * - `${saveDir}/predictions.conll`: `word gold predicted` per line, a blank line between sentences: the format
 *   conlleval and seqeval read, so the score can be checked outside fets;
 * - `${saveDir}/predictions.jsonl`: one line per sentence, `{ words, entities: [{ type, first, last, text }] }` with
 *   the predicted spans (strict IOB2 by default, as the SeqEval trace scores them).
 * The sentences are those SeqEval scores with the same keys, so re-scoring the CoNLL file gives the reported F1. With
 * `wordIdsKey` and `tagsKey` every word is written (a word's prediction is its first sub-token's), and with `windowKey`
 * long sentences are put back together from their windows, in source order. Without them, each scored position (a
 * word's first sub-token) is one word. Both files are written atomically at epoch end.
 *
 * Keys in (per batch): `wordsKey`, `predKey`, and `trueKey` or `wordIdsKey` + `tagsKey` (+ `windowKey`).
 *
 * @example
 * new TagPredictions({ wordsKey: 'words', trueKey: 'y', predKey: 'yPred', labels, saveDir: 'runs/ner-bert' });
 */
export class TagPredictions extends Trace {
  declare readonly '~sig': QuietSig;
  override readonly options: z.output<typeof schema>;
  /** Words, gold and predicted tags of the running epoch, one entry per sentence. */
  sentences: { words: string[]; gold: string[]; pred: string[] }[] = [];
  /** Files written by the last epoch. */
  written: string[] = [];

  private readonly assembler: SentenceAssembler | undefined;

  constructor(options: TagPredictionsOptions) {
    const o = parseOptions(new.target.name, schema, options);
    const inputs = o.wordIdsKey
      ? [o.wordsKey, o.predKey, o.wordIdsKey, o.tagsKey!, ...(o.windowKey ? [o.windowKey] : [])]
      : [o.wordsKey, o.trueKey!, o.predKey];
    super({ inputs, mode: o.mode, ...(o.dsId !== undefined ? { dsId: o.dsId } : {}) });
    checkWritable(o.saveDir, new.target.name, 'saveDir');
    this.options = o;
    this.assembler = o.wordIdsKey ? new SentenceAssembler(o.labels, new.target.name) : undefined;
  }

  override onEpochBegin(): void {
    this.sentences = [];
    this.assembler?.reset();
  }

  override onBatchEnd(data: Data): void {
    const o = this.options;
    if (this.assembler) {
      addWordRows(this.assembler, data, { ...o, wordIdsKey: o.wordIdsKey!, tagsKey: o.tagsKey! });
      return;
    }
    const words = data.get(o.wordsKey);
    const yt = asNDArray(this.name, o.trueKey!, data.get(o.trueKey!));
    const yp = asNDArray(this.name, o.predKey, data.get(o.predKey));
    if (yt.rank !== 2)
      throw new MetricInputError(this.name, o.trueKey!, `expected label ids [B, L], received shape [${yt.shape.join(', ')}]`);
    const [b, l] = yt.shape as [number, number];
    if (!Array.isArray(words) || words.length !== b) {
      throw new MetricInputError(
        this.name,
        o.wordsKey,
        `expected ${b} word lists (one per sentence of the batch), received ${Array.isArray(words) ? words.length : typeof words}`,
      );
    }
    const pred = yp.rank === 3 ? argmaxLastAxis(yp) : (yp.data as ArrayLike<number>);
    const t = yt.data as ArrayLike<number>;
    for (let i = 0; i < b; i++) {
      const row = (a: ArrayLike<number>) => Array.prototype.slice.call(a, i * l, (i + 1) * l) as number[];
      const { yTrue, yPred } = alignPredictions(row(t), row(pred), o.labels, o.ignoreIndex);
      if (yTrue.length === 0) continue;
      const ws = (words[i] as unknown[]).map(String);
      this.sentences.push({ words: ws.slice(0, yTrue.length), gold: yTrue, pred: yPred });
    }
  }

  /** The predicted spans of one sentence. */
  spans(words: readonly string[], tags: readonly string[]): PredictedSpan[] {
    return entitySpans(words, tags, this.options.evalMode, this.options.scheme);
  }

  /** Data-parallel: every rank's sentences, in source order (see RankReducible); rank 0 writes them. */
  reduceAcrossRanks(world: World): void {
    if (this.assembler) {
      this.assembler.mergeAcrossRanks(world);
      return;
    }
    this.sentences = interleave(world.allgatherJson(this.sentences));
  }

  override async onEpochEnd(_data: Data): Promise<void> {
    const o = this.options;
    if (this.assembler) {
      this.sentences = this.assembler.sentences().map((t) => ({ words: t.words!, gold: t.gold, pred: t.pred }));
    }
    if (!this.system.world.isChief) return;
    const conll = this.sentences.map((s) => s.words.map((w, j) => `${w} ${s.gold[j]} ${s.pred[j]}\n`).join('')).join('\n');
    const jsonl = this.sentences.map((s) => `${JSON.stringify({ words: s.words, entities: this.spans(s.words, s.pred) })}\n`).join('');
    const conllFile = path.join(o.saveDir, `${o.name}.conll`);
    const jsonlFile = path.join(o.saveDir, `${o.name}.jsonl`);
    await atomicWriteFile(conllFile, conll, { owner: this.name });
    await atomicWriteFile(jsonlFile, jsonl, { owner: this.name });
    this.written = [conllFile, jsonlFile];
  }
}
