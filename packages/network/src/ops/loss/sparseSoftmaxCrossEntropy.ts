import * as tf from '@tensorflow/tfjs';

/**
 * Per-row softmax cross entropy of logits against class ids, with the gradient written out: `loss[i] =
 * logsumexp(x[i]) − x[i, y[i]]`, `∂loss[i]/∂x[i] = softmax(x[i]) − onehot(y[i])`. One `exp` over the logits serves
 * both passes (the exponentials are kept for the gradient), where `−Σ onehot · logSoftmax(x)` through autodiff computes
 * the exponentials twice and makes about twice as many passes over `[N, C]`: for a masked-LM head (C = 30,522)
 * those passes are a tenth of the training step. Rows whose label is outside `[0, C)` (e.g. -100) get loss 0 and a
 * zero gradient; callers mask them out of the mean.
 *
 * Keys and shapes: `logits` float32 [N, C], `labels` int32 [N] → float32 [N].
 *
 * @example
 * const perRow = sparseSoftmaxCrossEntropy(tf.tensor2d([[2, 0, -1]]), tf.tensor1d([0], 'int32')); // [0.1698]
 */
export const sparseSoftmaxCrossEntropy = tf.customGrad(((logits: tf.Tensor, labels: tf.Tensor, save: tf.GradSaveFunc) => {
  const x = logits as tf.Tensor2D;
  const [n, c] = x.shape;
  const y = labels as tf.Tensor1D;
  const max = tf.max(x, -1, true);
  const e = tf.exp(tf.sub(x, max));
  const sum = tf.sum(e, -1, true);
  const valid = tf.logicalAnd(tf.greaterEqual(y, 0), tf.less(y, c));
  // x[i, y[i]] as one gather over the flattened logits (ignored rows read column 0, then count 0).
  const rows = tf.add(tf.range(0, n * c, c, 'int32'), tf.where(valid, y, tf.zerosLike(y)));
  const picked = tf.gather(tf.reshape(x, [n * c]), rows);
  const perRow = tf.sub(tf.add(tf.log(tf.reshape(sum, [n])), tf.reshape(max, [n])), picked);
  const value = tf.where(valid, perRow, tf.zerosLike(perRow));
  // The exponentials and their sums are kept; the softmax is formed only when a gradient is asked for (not in eval).
  save([e, sum, y]);
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [ex, s, lab] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      // Rows with an out-of-range label have a constant loss of 0: their gradient is zeroed here (their oneHot row
      // is zero, so softmax · dy would remain otherwise).
      const ok = tf.cast(tf.logicalAnd(tf.greaterEqual(lab, 0), tf.less(lab, c)), 'float32');
      const g = tf.reshape(tf.mul(dy as tf.Tensor, ok), [n, 1]);
      return [tf.mul(tf.sub(tf.div(ex, s), tf.oneHot(lab, c)), g), tf.zeros(lab.shape)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Tensor1D;
