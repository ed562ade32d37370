import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { OpError } from '@fets/pipeline';
import { LossOp, fmtShape, lossOptionsSchema, meanLastAxis } from './lossOp.js';
import { sparseSoftmaxCrossEntropy } from './sparseSoftmaxCrossEntropy.js';

const EPS = 1e-7;

/** Options of {@link CrossEntropy}. */
export const crossEntropyOptions = lossOptionsSchema.extend({
  /** Whether `yPred` holds logits (softmax/sigmoid applied inside, stably) instead of probabilities. Default false. */
  fromLogits: z.boolean().default(false),
  /** Force a form; by default detected from the shapes (see {@link CrossEntropy}). */
  form: z.enum(['binary', 'categorical', 'sparse']).optional(),
  /** Weight per class index (missing classes weigh 1), multiplying each sample's loss, as FastEstimator does. */
  classWeights: z.record(z.string().regex(/^\d+$/, 'expected class indices as keys'), z.number().min(0)).optional(),
  /** Label value whose positions are left out of the loss and of the mean's denominator (e.g. -100). */
  ignoreIndex: z.number().int().optional(),
  /** Label smoothing ε: targets become (1-ε)·y + ε/C (binary: + ε/2). */
  labelSmoothing: z.number().min(0).max(1).optional(),
});

/** The three forms of cross entropy. */
export type CrossEntropyForm = NonNullable<z.output<typeof crossEntropyOptions>['form']>;

/** Options of {@link CrossEntropy} (see {@link crossEntropyOptions}). */
export type CrossEntropyOptions = z.input<typeof crossEntropyOptions>;

/**
 * Cross entropy (FastEstimator's `CrossEntropy`), numerically stable (log-softmax / log-sigmoid for logits,
 * normalised and clipped probabilities otherwise, as Keras does). Forms, detected from shapes unless `form` is given:
 * - sparse: `yTrue` has one fewer rank than `yPred` (or a trailing 1) and `yPred`'s last dim > 1: class ids;
 * - binary: `yPred`'s last dim is 1 (or `yPred` is rank 1): 0/1 targets;
 * - categorical: same shapes, last dim > 1: one-hot / soft targets.
 * Per-sample losses have `yPred`'s shape without the class axis (`[B]`, or `[B, L]` for token classification).
 * `classWeights` scale each value by its true class's weight (categorical: argmax of `yTrue`); `ignoreIndex` masks
 * positions whose label equals it (categorical: whose argmax equals it), out of both the sum and the count.
 * Sparse labels with logits (and no smoothing or class weights) go through {@link sparseSoftmaxCrossEntropy}, one
 * softmax pass with its gradient written out.
 *
 * @example
 * new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true, ignoreIndex: -100 }); // [B,L,C],[B,L]
 */
export class CrossEntropy<const O extends CrossEntropyOptions = CrossEntropyOptions> extends LossOp<typeof crossEntropyOptions, O> {
  readonly fromLogits: boolean;
  readonly form: CrossEntropyForm | undefined;
  readonly classWeights: ReadonlyMap<number, number> | undefined;
  readonly ignoreIndex: number | undefined;
  readonly labelSmoothing: number;

  constructor(options: O) {
    super(options, crossEntropyOptions);
    const o = this.options;
    this.fromLogits = o.fromLogits;
    this.form = o.form;
    this.classWeights = o.classWeights ? new Map(Object.entries(o.classWeights).map(([k, v]) => [Number(k), v])) : undefined;
    this.ignoreIndex = o.ignoreIndex;
    this.labelSmoothing = o.labelSmoothing ?? 0;
  }

  /** The form used for these shapes (the `form` option, or detection); throws on incompatible shapes. */
  detectForm(yPred: tf.Tensor, yTrue: tf.Tensor): CrossEntropyForm {
    const p = yPred.shape;
    const t = yTrue.shape;
    const c = p[p.length - 1] ?? 1;
    const eq = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
    const sparseShape = p.length >= 2 && (eq(t, p.slice(0, -1)) || eq(t, [...p.slice(0, -1), 1]));
    const sameSize =
      yPred.size === yTrue.size &&
      (eq(p, t) ||
        eq(
          p.filter((d) => d !== 1),
          t.filter((d) => d !== 1),
        ));
    if (this.form === 'sparse') {
      if (!sparseShape) this.shapeError(yPred, yTrue, `labels of shape ${fmtShape(p.slice(0, -1))} for the sparse form`);
      return 'sparse';
    }
    if (this.form === 'categorical') {
      if (!eq(p, t)) this.shapeError(yPred, yTrue, 'the same shape for the categorical form');
      return 'categorical';
    }
    if (this.form === 'binary') {
      if (!sameSize) this.shapeError(yPred, yTrue, 'the same shape for the binary form');
      return 'binary';
    }
    if (p.length === 0) this.shapeError(yPred, yTrue, 'a prediction with a batch axis');
    if (c > 1 && p.length >= 2 && sparseShape) return 'sparse';
    if (c === 1 || p.length === 1) {
      if (!sameSize) this.shapeError(yPred, yTrue, 'the same shape (binary form: last dim of the prediction is 1)');
      return 'binary';
    }
    if (eq(p, t)) return 'categorical';
    return this.shapeError(yPred, yTrue, `either the same shape (categorical) or labels of shape ${fmtShape(p.slice(0, -1))} (sparse)`);
  }

  override forward(data: tf.Tensor[]): tf.Tensor {
    const [yPred, yTrue] = data as [tf.Tensor, tf.Tensor];
    this.checkTensors(yPred, yTrue);
    const form = this.detectForm(yPred, yTrue);
    if (yPred.dtype !== 'float32') {
      throw new OpError(this.name, this.predKey, `expected float32 predictions, received ${yPred.dtype}`);
    }
    if (form === 'binary') return this.binary(yPred, yTrue);
    const numClasses = yPred.shape[yPred.shape.length - 1]!;
    if (form === 'sparse' && this.fromLogits && this.labelSmoothing === 0 && !this.classWeights) {
      return this.sparseFromLogits(yPred, this.sparseLabels(yPred, yTrue, numClasses), numClasses);
    }
    const logp = this.fromLogits ? tf.logSoftmax(yPred) : tf.log(tf.clipByValue(tf.div(yPred, tf.sum(yPred, -1, true)), EPS, 1 - EPS));
    let target: tf.Tensor;
    let label: tf.Tensor;
    if (form === 'sparse') {
      label = this.sparseLabels(yPred, yTrue, numClasses);
      target = tf.oneHot(label, numClasses);
    } else {
      target = tf.cast(yTrue, 'float32');
      label = tf.argMax(target, -1);
    }
    if (this.labelSmoothing > 0) {
      target = tf.add(tf.mul(target, 1 - this.labelSmoothing), this.labelSmoothing / numClasses);
    }
    let loss = tf.neg(tf.sum(tf.mul(target, logp), -1));
    if (this.classWeights) loss = tf.mul(loss, this.lookupWeights(label));
    return this.reduce(loss, this.ignoreIndex === undefined ? undefined : tf.cast(tf.notEqual(label, this.ignoreIndex), 'float32'));
  }

  /** Class ids as int32 without a trailing 1, checked against the head's width. */
  private sparseLabels(yPred: tf.Tensor, yTrue: tf.Tensor, numClasses: number): tf.Tensor {
    const label = tf.cast(yTrue.rank === yPred.rank ? tf.squeeze(yTrue, [-1]) : yTrue, 'int32');
    this.checkLabelRange(label, numClasses);
    return label;
  }

  /** Sparse labels and logits, nothing else asked: the fused {@link sparseSoftmaxCrossEntropy} (one exp). */
  private sparseFromLogits(yPred: tf.Tensor, label: tf.Tensor, numClasses: number): tf.Tensor {
    const rowsShape = yPred.shape.slice(0, -1);
    const n = rowsShape.reduce((a, b) => a * b, 1);
    const perRow = sparseSoftmaxCrossEntropy(tf.reshape(yPred, [n, numClasses]), tf.reshape(label, [n]));
    const loss = tf.reshape(perRow, rowsShape);
    return this.reduce(loss, this.ignoreIndex === undefined ? undefined : tf.cast(tf.notEqual(label, this.ignoreIndex), 'float32'));
  }

  private binary(yPred: tf.Tensor, yTrueIn: tf.Tensor): tf.Tensor {
    const yTrue = tf.cast(yTrueIn.shape.length === yPred.shape.length ? yTrueIn : tf.reshape(yTrueIn, yPred.shape), 'float32');
    const mask = this.ignoreIndex === undefined ? undefined : tf.cast(tf.notEqual(yTrue, this.ignoreIndex), 'float32');
    let t = mask ? tf.mul(yTrue, mask) : yTrue;
    if (this.labelSmoothing > 0) t = tf.add(tf.mul(t, 1 - this.labelSmoothing), 0.5 * this.labelSmoothing);
    let elem: tf.Tensor;
    if (this.fromLogits) {
      // max(x, 0) - x·t + log(1 + exp(-|x|))
      elem = tf.add(tf.sub(tf.relu(yPred), tf.mul(yPred, t)), tf.log1p(tf.exp(tf.neg(tf.abs(yPred)))));
    } else {
      const p = tf.clipByValue(yPred, EPS, 1 - EPS);
      elem = tf.neg(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))));
    }
    if (this.classWeights) elem = tf.mul(elem, this.lookupWeights(tf.cast(tf.round(yTrue), 'int32')));
    if (mask) {
      const l = tf.mul(elem, mask);
      if (this.averageLoss) return this.reduce(l, mask);
      return meanLastAxis(l);
    }
    return this.reduce(meanLastAxis(elem));
  }

  private lookupWeights(label: tf.Tensor): tf.Tensor {
    const cw = this.classWeights!;
    const size = Math.max(...cw.keys()) + 1;
    const table = new Float32Array(size).fill(1);
    for (const [k, v] of cw) table[k] = v;
    const inRange = tf.logicalAnd(tf.greaterEqual(label, 0), tf.less(label, size));
    const w = tf.gather(tf.tensor1d(table), tf.clipByValue(tf.cast(label, 'int32'), 0, size - 1));
    return tf.where(inRange, w, tf.onesLike(w));
  }

  /**
   * Labels are few (one per sample or token), so they are read back and checked in one pass on the host: on the CPU
   * backends fets targets that costs less than the five tensor ops (and a read-back all the same) of a device check.
   */
  private checkLabelRange(label: tf.Tensor, numClasses: number): void {
    const vals = label.dataSync();
    let count = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      if ((v >= 0 && v < numClasses) || v === this.ignoreIndex) continue;
      count++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (count > 0) throw new LabelRangeError(this.name, this.trueKey, this.predKey, numClasses, min, max, count, this.ignoreIndex);
  }
}

/**
 * Sparse labels fall outside the prediction head's classes (tfjs would silently compute garbage from them). Names the
 * label key, the prediction key, the head's width, the smallest and largest offending label and how many there are.
 *
 * @example
 * // LabelRangeError: CrossEntropy (key "y"): 3 labels are outside the 5 classes of prediction "yPred" (head width 5):
 * //   max label 9, min label 5; expected 0..4 or ignoreIndex -100
 */
export class LabelRangeError extends OpError {
  constructor(
    op: string,
    readonly labelKey: string,
    readonly predKey: string,
    readonly numClasses: number,
    readonly minLabel: number,
    readonly maxLabel: number,
    readonly count: number,
    readonly ignoreIndex: number | undefined,
  ) {
    super(
      op,
      labelKey,
      `${count} label${count === 1 ? ' is' : 's are'} outside the ${numClasses} classes of prediction "${predKey}" (head width ${numClasses}): ` +
        `max label ${maxLabel}, min label ${minLabel}; expected 0..${numClasses - 1}${ignoreIndex === undefined ? '' : ` or ignoreIndex ${ignoreIndex}`}`,
    );
  }
}
