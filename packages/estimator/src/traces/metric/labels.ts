import { FetsError, NDArray } from '@fets/pipeline';

/** A batch value a metric cannot read (wrong type, shape or size). Names the trace, the key and what it received. */
export class MetricInputError extends FetsError {
  constructor(
    readonly trace: string,
    readonly key: string,
    message: string,
  ) {
    super(`${trace}: key "${key}": ${message}`);
  }
}

/** Reads a batch value as an NDArray (numbers and nested arrays are converted); throws naming the trace and key. */
export function asNDArray(trace: string, key: string, v: unknown): NDArray {
  if (v instanceof NDArray) {
    if (v.dtype === 'string') throw new MetricInputError(trace, key, 'expected numbers, received a string array');
    return v;
  }
  if (typeof v === 'number') return new NDArray(Float32Array.of(v), [], 'float32');
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return NDArray.from(v);
  throw new MetricInputError(
    trace,
    key,
    `expected an NDArray or numbers, received ${v === undefined ? 'nothing (is the key fetched?)' : typeof v}`,
  );
}

/** Index of the largest of `n` values starting at `off` (first one on ties, as numpy's argmax). */
export function argmaxAt(data: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  let bv = data[off]!;
  for (let j = 1; j < n; j++) {
    const v = data[off + j]!;
    if (v > bv || (Number.isNaN(v) && !Number.isNaN(bv))) {
      best = j;
      bv = v;
    }
  }
  return best;
}

/** Argmax over the last axis: [..., C] → [...] as class ids. */
export function argmaxLastAxis(a: NDArray): Int32Array {
  const c = a.shape.at(-1) ?? 1;
  const n = c === 0 ? 0 : a.size / c;
  const out = new Int32Array(n);
  const d = a.data as ArrayLike<number>;
  for (let i = 0; i < n; i++) out[i] = argmaxAt(d, i * c, c);
  return out;
}

/**
 * Predicted class ids `[B, L]` (flattened) of a sequence tagger's output: scores `[B, L, C]` are argmaxed (C must be
 * `classes`), ids `[B, L]` are taken as they are. Anything else is a MetricInputError naming `owner`, `key` and, when
 * given, the key whose shape it must match.
 *
 * @example
 * const ids = predictedIds('SeqEval', 'yPred', data.get('yPred'), 32, 48, labels.length, 'y');
 */
export function predictedIds(
  owner: string,
  key: string,
  value: unknown,
  b: number,
  l: number,
  classes: number,
  matchKey?: string,
): ArrayLike<number> {
  const yp = asNDArray(owner, key, value);
  if (yp.rank === 3 && yp.shape[0] === b && yp.shape[1] === l) {
    if (yp.shape[2] !== classes) {
      throw new MetricInputError(owner, key, `has ${yp.shape[2]} classes on its last axis but labels has ${classes} tags`);
    }
    return argmaxLastAxis(yp);
  }
  if (yp.rank === 2 && yp.shape[0] === b && yp.shape[1] === l) return yp.data as ArrayLike<number>;
  throw new MetricInputError(
    owner,
    key,
    `expected scores [${b}, ${l}, ${classes}] or ids [${b}, ${l}]${matchKey ? ` to match "${matchKey}"` : ''}, received shape [${yp.shape.join(', ')}]`,
  );
}

const isFloat = (a: NDArray) => a.dtype === 'float32';

/** Label ids and predicted ids of one batch, flattened to one entry per counted position. */
export interface LabelPairs {
  yTrue: Int32Array;
  yPred: Int32Array;
  /** True when predictions were single probabilities thresholded at 0.5 (a binary problem). */
  binary: boolean;
  /** Number of classes seen on the prediction's class axis (undefined for id or binary predictions). */
  numClasses: number | undefined;
}

/** Options shared by the classification metrics for reading a batch. */
export interface LabelReadOptions {
  trace: string;
  trueKey: string;
  predKey: string;
  /** Positions whose true id equals this are not counted (e.g. -100). */
  ignoreValue?: number | undefined;
  /** Key of a mask (same number of positions as the true labels); positions where it is 0 are not counted. */
  maskKey?: string | undefined;
}

/**
 * Turns a batch's true and predicted values into aligned class ids, FastEstimator's rules plus a class axis for
 * sequence outputs:
 * - predictions with one more axis than the labels, or the same shape as one-hot float labels, are argmaxed over the
 *   last axis (a last axis of 1 is a binary probability, thresholded: `p > 0.5` → 1, as numpy's round);
 * - predictions with as many elements as the labels are ids when integer, binary probabilities (`p > 0.5`) when float;
 * - float labels with a last axis > 1 (one-hot) are argmaxed;
 * - positions whose true id equals `ignoreValue` or whose mask is 0 are dropped.
 *
 * @example
 * readLabelPairs({ trace: 'Accuracy', trueKey: 'y', predKey: 'yPred', ignoreValue: -100 },
 *   NDArray.from([[1, -100]]), NDArray.from([[[0.1, 0.9], [0.8, 0.2]]]));
 * // { yTrue: [1], yPred: [1], binary: false, numClasses: 2 }
 */
export function readLabelPairs(o: LabelReadOptions, trueValue: unknown, predValue: unknown, maskValue?: unknown): LabelPairs {
  const yt = asNDArray(o.trace, o.trueKey, trueValue);
  const yp = asNDArray(o.trace, o.predKey, predValue);
  const tLast = yt.shape.at(-1) ?? 1;
  const pLast = yp.shape.at(-1) ?? 1;
  let trueIds: ArrayLike<number>;
  const oneHot = isFloat(yt) && yt.rank > 1 && tLast > 1 && yp.rank === yt.rank && pLast === tLast;
  if (oneHot) trueIds = argmaxLastAxis(yt);
  else trueIds = yt.data as ArrayLike<number>;
  const n = trueIds.length;
  let predIds: Int32Array;
  let binary = false;
  let numClasses: number | undefined;
  if (oneHot || (yp.size === n * pLast && pLast > 1 && yp.rank >= 1 && yp.size !== n)) {
    predIds = argmaxLastAxis(yp);
    numClasses = pLast;
  } else if (yp.size === n) {
    const d = yp.data as ArrayLike<number>;
    predIds = new Int32Array(n);
    if (isFloat(yp)) {
      binary = true;
      for (let i = 0; i < n; i++) predIds[i] = d[i]! > 0.5 ? 1 : 0;
    } else {
      for (let i = 0; i < n; i++) predIds[i] = d[i]!;
    }
  } else {
    throw new MetricInputError(
      o.trace,
      o.predKey,
      `predictions of shape [${yp.shape.join(', ')}] do not match labels "${o.trueKey}" of shape [${yt.shape.join(', ')}]: ` +
        'expected the same number of elements (ids or binary probabilities) or one more class axis',
    );
  }
  let mask: ArrayLike<number> | undefined;
  if (o.maskKey !== undefined) {
    const m = asNDArray(o.trace, o.maskKey, maskValue);
    if (m.size !== n) {
      throw new MetricInputError(o.trace, o.maskKey, `mask has ${m.size} elements but "${o.trueKey}" has ${n} positions`);
    }
    mask = m.data as ArrayLike<number>;
  }
  const ign = o.ignoreValue;
  if (ign === undefined && mask === undefined) {
    return { yTrue: Int32Array.from(trueIds), yPred: predIds, binary, numClasses };
  }
  const keepT: number[] = [];
  const keepP: number[] = [];
  for (let i = 0; i < n; i++) {
    if (ign !== undefined && trueIds[i] === ign) continue;
    if (mask !== undefined && mask[i] === 0) continue;
    keepT.push(trueIds[i]!);
    keepP.push(predIds[i]!);
  }
  return { yTrue: Int32Array.from(keepT), yPred: Int32Array.from(keepP), binary, numClasses };
}
