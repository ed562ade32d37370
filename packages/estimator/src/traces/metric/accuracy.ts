import { z } from 'zod';
import type { World } from '@fets/network';
import { parseOptions } from '@fets/pipeline';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { readLabelPairs } from './labels.js';
import { classificationOptionsSchema, metricTraceOptions } from './metricOptions.js';
import type { MetricSig } from '../../core/traceKeys.js';

const schema = classificationOptionsSchema.extend({
  /** Key the accuracy is written to (default `'accuracy'`). */
  outputName: z.string().min(1).default('accuracy'),
});

/** Options of {@link Accuracy}. */
export type AccuracyOptions = z.input<typeof schema>;

/**
 * Fraction of correctly classified positions over an epoch (FastEstimator's Accuracy). Predictions with a class axis
 * are argmaxed over it; single probabilities are thresholded at 0.5; positions whose label equals `ignoreValue` or
 * whose mask is 0 are not counted. Writes `outputName` with log at the epoch end (NaN when nothing was counted).
 *
 * Keys in: `trueKey` (`[B]`, `[B, L]` ids or one-hot), `predKey` (`[B, C]`, `[B, L, C]` scores, probabilities or
 * ids), optional `maskKey`. Out: `outputName` (number).
 *
 * @example
 * new Accuracy({ trueKey: 'y', predKey: 'yPred', ignoreValue: -100 }); // token accuracy of a tagger
 */
export class Accuracy<const O extends AccuracyOptions = AccuracyOptions> extends Trace {
  declare readonly '~sig': MetricSig<O, 'accuracy'>;
  override readonly options: z.output<typeof schema>;
  /** Correct positions so far in the epoch. */
  correct = 0;
  /** Counted positions so far in the epoch. */
  total = 0;

  constructor(options: O) {
    const o = parseOptions(new.target.name, schema, options);
    super(metricTraceOptions(o, o.outputName));
    this.options = o;
  }

  override onEpochBegin(): void {
    this.correct = 0;
    this.total = 0;
  }

  override onBatchEnd(data: Data): void {
    const o = this.options;
    const { yTrue, yPred } = readLabelPairs(
      { trace: 'Accuracy', ...o },
      data.get(o.trueKey),
      data.get(o.predKey),
      o.maskKey !== undefined ? data.get(o.maskKey) : undefined,
    );
    for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) this.correct++;
    this.total += yTrue.length;
  }

  /** Data-parallel: the counts of every rank (see RankReducible). */
  reduceAcrossRanks(world: World): void {
    [this.correct, this.total] = world.sum([this.correct, this.total]) as [number, number];
  }

  override onEpochEnd(data: Data): void {
    data.writeWithLog(this.options.outputName, this.total === 0 ? NaN : this.correct / this.total);
  }
}
