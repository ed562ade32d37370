import { z } from 'zod';
import type { World } from '@fets/network';
import { interleave } from '../../distributed/interleave.js';
import { dsIdSpecSchema, modeSpecSchema, parseOptions } from '@fets/pipeline';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { MetricInputError, asNDArray, predictedIds } from './labels.js';
import { SentenceAssembler, addWordRows, checkWordKeys, wordKeysShape } from './sentenceTags.js';
import { alignPredictions } from './seqeval/align.js';
import { seqevalReport, type SeqevalReport } from './seqeval/report.js';
import { SCHEMES } from './seqeval/schemes.js';
import type { OptionOf, TraceSig } from '../../core/traceKeys.js';

const schema = z
  .strictObject({
    /** Key of the label ids `[B, L]` (`ignoreIndex` on positions that are not scored); not needed with `tagsKey`. */
    trueKey: z.string().min(1).optional(),
    /** Key of the logits or probabilities `[B, L, C]` (argmaxed) or predicted ids `[B, L]`. */
    predKey: z.string().min(1),
    /** Tag name of each label id (`['O', 'B-ACTOR', 'I-ACTOR', ...]`). */
    labels: z.array(z.string().min(1)).min(1),
    /** Tagging scheme used by strict mode (default IOB2). */
    scheme: z.enum(SCHEMES).default('IOB2'),
    /** seqeval's `mode`: 'strict' (entities by the scheme's rules, the default here) or 'default' (conlleval chunks). */
    evalMode: z.enum(['strict', 'default']).default('strict'),
    /** Label id of positions to skip (special tokens, padding, non-first sub-words). */
    ignoreIndex: z.number().int().default(-100),
    /** Prefix of the keys written: `${prefix}f1`, `${prefix}precision`, `${prefix}recall`, `${prefix}seqeval_report`. */
    outputPrefix: z.string().default(''),
    /** Modes the trace runs in (default `['eval', 'test']`). */
    mode: modeSpecSchema.default(['eval', 'test']),
    /** Data sets the trace runs for (default all). */
    dsId: dsIdSpecSchema.optional(),
    ...wordKeysShape,
  })
  .superRefine(checkWordKeys);

/** Options of {@link SeqEval}. */
export type SeqEvalOptions = z.input<typeof schema>;

/** The keys SeqEval writes, built from its `outputPrefix`. */
export type SeqEvalOutputs<P extends string> = [`${P}f1`, `${P}precision`, `${P}recall`, `${P}seqeval_report`];

/**
 * Entity-level precision, recall and F1 of a sequence tagger over an epoch, the numbers of seqeval's
 * `classification_report` (micro average). Each sentence keeps the positions whose true id is not `ignoreIndex`
 * (with first-sub-token labels: one position per word), ids become tags through `labels`, and {@link seqevalReport}
 * scores all sentences at the epoch end. Prints nothing itself.
 *
 * Keys in: `trueKey` `[B, L]` ids; `predKey` `[B, L, C]` scores (C = labels.length) or `[B, L]` ids.
 * Out (epoch end): `f1`, `precision`, `recall` with log; `seqeval_report` (the full per-type report) without log.
 *
 * @example
 * new SeqEval({ trueKey: 'y', predKey: 'yPred', labels, evalMode: 'strict', scheme: 'IOB2' });
 */
export class SeqEval<const O extends SeqEvalOptions = SeqEvalOptions> extends Trace {
  declare readonly '~sig': TraceSig<
    O,
    OptionOf<O, 'wordIdsKey'> extends string
      ? [OptionOf<O, 'predKey'>, OptionOf<O, 'wordIdsKey'>, OptionOf<O, 'tagsKey'>, OptionOf<O, 'windowKey'>]
      : [OptionOf<O, 'trueKey'>, OptionOf<O, 'predKey'>],
    SeqEvalOutputs<OptionOf<O, 'outputPrefix'> extends string ? OptionOf<O, 'outputPrefix'> : ''>,
    'eval' | 'test'
  >;
  override readonly options: z.output<typeof schema>;
  /** True tag sequences of the running epoch, one per sentence. */
  yTrue: string[][] = [];
  /** Predicted tag sequences, aligned with `yTrue`. */
  yPred: string[][] = [];
  /** The report of the last finished epoch. */
  lastReport: SeqevalReport | undefined;
  /** Whole sentences at word level (with `wordIdsKey`). */
  private readonly assembler: SentenceAssembler | undefined;

  constructor(options: O) {
    const o = parseOptions(new.target.name, schema, options);
    const p = o.outputPrefix;
    const inputs = o.wordIdsKey ? [o.predKey, o.wordIdsKey, o.tagsKey!, ...(o.windowKey ? [o.windowKey] : [])] : [o.trueKey!, o.predKey];
    super({
      inputs,
      outputs: [`${p}f1`, `${p}precision`, `${p}recall`, `${p}seqeval_report`],
      mode: o.mode,
      ...(o.dsId !== undefined ? { dsId: o.dsId } : {}),
    });
    this.options = o;
    this.assembler = o.wordIdsKey ? new SentenceAssembler(o.labels, new.target.name) : undefined;
  }

  override onEpochBegin(): void {
    this.yTrue = [];
    this.yPred = [];
    this.assembler?.reset();
  }

  override onBatchEnd(data: Data): void {
    const o = this.options;
    if (this.assembler) {
      addWordRows(this.assembler, data, { ...o, wordIdsKey: o.wordIdsKey!, tagsKey: o.tagsKey! });
      return;
    }
    const yt = asNDArray('SeqEval', o.trueKey!, data.get(o.trueKey!));
    if (yt.rank !== 2)
      throw new MetricInputError('SeqEval', o.trueKey!, `expected label ids [B, L], received shape [${yt.shape.join(', ')}]`);
    const [b, l] = yt.shape as [number, number];
    const pred = predictedIds('SeqEval', o.predKey, data.get(o.predKey), b, l, o.labels.length, o.trueKey!);
    const t = yt.data as ArrayLike<number>;
    for (let i = 0; i < b; i++) {
      const row = (a: ArrayLike<number>) => Array.prototype.slice.call(a, i * l, (i + 1) * l) as number[];
      const { yTrue, yPred } = alignPredictions(row(t), row(pred), o.labels, o.ignoreIndex);
      if (yTrue.length === 0) continue;
      this.yTrue.push(yTrue);
      this.yPred.push(yPred);
    }
  }

  /** Data-parallel: every rank's sentences, so the report covers the whole split (see RankReducible). */
  reduceAcrossRanks(world: World): void {
    if (this.assembler) {
      this.assembler.mergeAcrossRanks(world);
      return;
    }
    const all = world.allgatherJson({ yTrue: this.yTrue, yPred: this.yPred });
    this.yTrue = interleave(all.map((a) => a.yTrue));
    this.yPred = interleave(all.map((a) => a.yPred));
  }

  override onEpochEnd(data: Data): void {
    const o = this.options;
    const p = o.outputPrefix;
    if (this.assembler) {
      const sentences = this.assembler.sentences();
      this.yTrue = sentences.map((s) => s.gold);
      this.yPred = sentences.map((s) => s.pred);
    }
    const report = seqevalReport(
      this.yTrue,
      this.yPred,
      o.evalMode === 'strict' ? { mode: 'strict', scheme: o.scheme } : { mode: 'default' },
    );
    this.lastReport = report;
    const micro = report['micro avg']!;
    data.writeWithLog(`${p}f1`, micro['f1-score']);
    data.writeWithLog(`${p}precision`, micro.precision);
    data.writeWithLog(`${p}recall`, micro.recall);
    data.writeWithoutLog(`${p}seqeval_report`, report);
  }
}
