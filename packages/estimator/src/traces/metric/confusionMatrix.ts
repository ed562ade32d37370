import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { MetricInputError, readLabelPairs } from './labels.js';
import { classificationOptionsSchema, metricTraceOptions } from './metricOptions.js';
import type { MetricSig } from '../../core/traceKeys.js';

const schema = classificationOptionsSchema.extend({
  /** Number of classes: the matrix is numClasses × numClasses. */
  numClasses: z.number().int().min(1),
  /** Key the matrix is written to (default `'confusion_matrix'`). */
  outputName: z.string().min(1).default('confusion_matrix'),
});

/** Options of {@link ConfusionMatrix}. */
export type ConfusionMatrixOptions = z.input<typeof schema>;

/**
 * Confusion matrix over an epoch (FastEstimator's ConfusionMatrix, scikit-learn's `confusion_matrix` with
 * `labels=range(numClasses)`): `m[i][j]` counts positions of true class i predicted as class j. Same input rules as
 * {@link Accuracy}. A true or predicted id outside `[0, numClasses)` (after `ignoreValue`/mask) is an error naming it.
 *
 * Keys in: `trueKey`, `predKey` (, `maskKey`). Out: `outputName`: `number[][]`.
 *
 * @example
 * new ConfusionMatrix({ trueKey: 'y', predKey: 'yPred', numClasses: 10 });
 */
export class ConfusionMatrix<const O extends ConfusionMatrixOptions = ConfusionMatrixOptions> extends Trace {
  declare readonly '~sig': MetricSig<O, 'confusion_matrix'>;
  override readonly options: z.output<typeof schema>;
  /** The running epoch's matrix, row-major. */
  matrix: Float64Array;

  constructor(options: O) {
    const o = parseOptions(new.target.name, schema, options);
    super(metricTraceOptions(o, o.outputName));
    this.options = o;
    this.matrix = new Float64Array(o.numClasses * o.numClasses);
  }

  override onEpochBegin(): void {
    this.matrix = new Float64Array(this.options.numClasses * this.options.numClasses);
  }

  override onBatchEnd(data: Data): void {
    const o = this.options;
    const { yTrue, yPred } = readLabelPairs(
      { trace: 'ConfusionMatrix', ...o },
      data.get(o.trueKey),
      data.get(o.predKey),
      o.maskKey !== undefined ? data.get(o.maskKey) : undefined,
    );
    const k = o.numClasses;
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i]!;
      const p = yPred[i]!;
      if (t < 0 || t >= k) {
        throw new MetricInputError(
          'ConfusionMatrix',
          o.trueKey,
          `label ${t} is outside [0, ${k}) (numClasses ${k}); set ignoreValue to skip it`,
        );
      }
      if (p < 0 || p >= k)
        throw new MetricInputError('ConfusionMatrix', o.predKey, `predicted class ${p} is outside [0, ${k}) (numClasses ${k})`);
      this.matrix[t * k + p] = this.matrix[t * k + p]! + 1;
    }
  }

  override onEpochEnd(data: Data): void {
    const k = this.options.numClasses;
    const rows = Array.from({ length: k }, (_, i) => Array.from(this.matrix.subarray(i * k, (i + 1) * k)));
    data.writeWithLog(this.options.outputName, rows);
  }
}
