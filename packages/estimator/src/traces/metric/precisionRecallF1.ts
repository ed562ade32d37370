import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { ClassCounts, type Average } from './classCounts.js';
import { readLabelPairs } from './labels.js';
import { classificationOptionsSchema, metricTraceOptions } from './metricOptions.js';
import type { MetricSig } from '../../core/traceKeys.js';

const schema = classificationOptionsSchema.extend({
  /** Key the score is written to (default `'precision'`, `'recall'`, `'f1_score'`). */
  outputName: z.string().min(1).optional(),
  /**
   * scikit-learn's `average`, plus 'none' (one score per label, an array) and 'auto' (FastEstimator's choice:
   * 'binary' for single-probability predictions, 'none' otherwise).
   */
  average: z.enum(['auto', 'binary', 'micro', 'macro', 'weighted', 'none']).default('auto'),
  /** Labels to score and average over (default: every label seen in the epoch, ascending). */
  labels: z.array(z.number().int()).min(1).optional(),
  /** The positive class for 'binary' (default 1). */
  posLabel: z.number().int().default(1),
  /** Value of an undefined ratio (no predicted or no true positives), as scikit-learn's `zero_division`. */
  zeroDivision: z.union([z.literal(0), z.literal(1)]).default(0),
});

/** Options of {@link Precision}, {@link Recall} and {@link F1Score}. */
export type PrecisionRecallF1Options = z.input<typeof schema>;

type Which = 'precision' | 'recall' | 'f1';
const DEFAULT_NAME: Record<Which, string> = { precision: 'precision', recall: 'recall', f1: 'f1_score' };

/** Shared body of Precision, Recall and F1Score: per-label counts over the epoch, scored at its end. */
abstract class PrfTrace extends Trace {
  override readonly options: z.output<typeof schema> & { outputName: string };
  /** Counts of the running epoch. */
  counts = new ClassCounts();
  private binary = false;

  constructor(
    private readonly which: Which,
    owner: string,
    options: PrecisionRecallF1Options,
  ) {
    const o = parseOptions(owner, schema, options);
    const outputName = o.outputName ?? DEFAULT_NAME[which];
    super(metricTraceOptions(o, outputName));
    this.options = { ...o, outputName };
  }

  override onEpochBegin(): void {
    this.counts = new ClassCounts();
    this.binary = false;
  }

  override onBatchEnd(data: Data): void {
    const o = this.options;
    const r = readLabelPairs(
      { trace: this.name, ...o },
      data.get(o.trueKey),
      data.get(o.predKey),
      o.maskKey !== undefined ? data.get(o.maskKey) : undefined,
    );
    this.binary = r.binary;
    this.counts.add(r.yTrue, r.yPred);
  }

  /** The average in force: the option, or FastEstimator's automatic choice. */
  effectiveAverage(): Average {
    const a = this.options.average;
    return a === 'auto' ? (this.binary ? 'binary' : 'none') : a;
  }

  override onEpochEnd(data: Data): void {
    const o = this.options;
    const s = this.counts.scores(this.effectiveAverage(), { labels: o.labels, posLabel: o.posLabel, zeroDivision: o.zeroDivision });
    data.writeWithLog(o.outputName, s[this.which]);
  }
}

/**
 * Precision over an epoch, as scikit-learn's `precision_score` (FastEstimator's Precision): tp / (tp + fp), averaged
 * per `average`. Same input rules as {@link Accuracy} (argmax over a class axis, `ignoreValue`, `maskKey`).
 *
 * Keys in: `trueKey`, `predKey` (, `maskKey`). Out: `outputName` (default 'precision'): a number, or one per label
 * with `average: 'none'`.
 *
 * @example
 * new Precision({ trueKey: 'y', predKey: 'yPred', average: 'macro' });
 */
export class Precision<const O extends PrecisionRecallF1Options = PrecisionRecallF1Options> extends PrfTrace {
  declare readonly '~sig': MetricSig<O, 'precision'>;
  constructor(options: O) {
    super('precision', 'Precision', options);
  }
}

/**
 * Recall over an epoch, as scikit-learn's `recall_score` (FastEstimator's Recall): tp / (tp + fn), averaged per
 * `average`.
 *
 * Keys in: `trueKey`, `predKey` (, `maskKey`). Out: `outputName` (default 'recall').
 *
 * @example
 * new Recall({ trueKey: 'y', predKey: 'yPred', average: 'binary' });
 */
export class Recall<const O extends PrecisionRecallF1Options = PrecisionRecallF1Options> extends PrfTrace {
  declare readonly '~sig': MetricSig<O, 'recall'>;
  constructor(options: O) {
    super('recall', 'Recall', options);
  }
}

/**
 * F1 score over an epoch, as scikit-learn's `f1_score` (FastEstimator's F1Score): 2tp / (2tp + fp + fn) per label,
 * averaged per `average` ('macro' averages per-label F1 scores; 'micro' pools the counts).
 *
 * Keys in: `trueKey`, `predKey` (, `maskKey`). Out: `outputName` (default 'f1_score').
 *
 * @example
 * new F1Score({ trueKey: 'y', predKey: 'yPred', average: 'macro', outputName: 'f1' });
 */
export class F1Score<const O extends PrecisionRecallF1Options = PrecisionRecallF1Options> extends PrfTrace {
  declare readonly '~sig': MetricSig<O, 'f1_score'>;
  constructor(options: O) {
    super('f1', 'F1Score', options);
  }
}
