import * as tf from '@tensorflow/tfjs';
import type { LabelledPositions } from './labelledPositions.js';
import type { LinearChainCrf } from './linearChainCrf.js';

/**
 * Compacts emission scores `[B, L, C]` to the labelled positions: `[N, T, C]` for the N kept rows and T steps of
 * `positions` (padding slots repeat a valid position; {@link stepMask} masks them).
 */
export function compactEmissions(emissions: tf.Tensor3D, positions: LabelledPositions): tf.Tensor3D {
  const [B, L, C] = emissions.shape;
  return tf.tidy(() => {
    const flat = tf.reshape(emissions, [B * L, C]);
    const picked = tf.gather(flat, tf.tensor1d(positions.index, 'int32'));
    return tf.reshape(picked, [positions.rows.length, positions.steps, C]) as tf.Tensor3D;
  });
}

/** `[N, T]` 1 where step t of row n is a labelled position, else 0 (float32). */
export function stepMask(positions: LabelledPositions): tf.Tensor2D {
  const { rows, steps, lengths } = positions;
  const m = new Float32Array(rows.length * steps);
  lengths.forEach((len, r) => m.fill(1, r * steps, r * steps + len));
  return tf.tensor2d(m, [rows.length, steps]);
}

/**
 * The log-partition `log Σ_paths exp(score)` of each compacted row by the forward algorithm in log space:
 * α₀ = start + e₀, αₜ = logsumexp_i(αₜ₋₁[i] + trans[i, ·]) + eₜ (kept at αₜ₋₁ past the row's length),
 * log Z = logsumexp(α + end). `emissions` [N, T, C] from {@link compactEmissions}; returns [N].
 */
export function crfLogPartition(emissions: tf.Tensor3D, mask: tf.Tensor2D, crf: LinearChainCrf): tf.Tensor1D {
  return tf.tidy(() => {
    const T = emissions.shape[1];
    const steps = tf.unstack(emissions, 1) as tf.Tensor2D[];
    const masks = tf.unstack(tf.expandDims(mask, 2), 1) as tf.Tensor2D[];
    const trans = tf.expandDims(crf.transitions, 0);
    let alpha: tf.Tensor2D = tf.add(crf.startTransitions, steps[0]!);
    for (let t = 1; t < T; t++) {
      const next = tf.add(tf.logSumExp(tf.add(tf.expandDims(alpha, 2), trans), 1), steps[t]!) as tf.Tensor2D;
      alpha = tf.add(alpha, tf.mul(masks[t]!, tf.sub(next, alpha)));
    }
    return tf.logSumExp(tf.add(alpha, crf.endTransitions), 1) as tf.Tensor1D;
  });
}

/**
 * The summed score of the gold paths of all compacted rows: emissions at the gold tags, start and end transitions
 * of each row's first and last tag, and the transitions between consecutive gold tags. `tags` holds each row's
 * gold tags in order, `tags[r][t]` for t < lengths[r].
 */
export function crfGoldScore(emissions: tf.Tensor3D, tags: readonly Int32Array[], crf: LinearChainCrf): tf.Scalar {
  const [N, T, C] = emissions.shape;
  const e: number[] = [];
  const tr: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  for (let r = 0; r < N; r++) {
    const y = tags[r]!;
    for (let t = 0; t < y.length; t++) {
      e.push((r * T + t) * C + y[t]!);
      if (t > 0) tr.push(y[t - 1]! * C + y[t]!);
    }
    first.push(y[0]!);
    last.push(y[y.length - 1]!);
  }
  const pick = (x: tf.Tensor, idx: number[]) =>
    idx.length === 0 ? tf.scalar(0) : tf.sum(tf.gather(tf.reshape(x, [-1]), tf.tensor1d(idx, 'int32')));
  return tf.tidy(
    () =>
      tf.addN([
        pick(emissions, e),
        pick(crf.transitions, tr),
        pick(crf.startTransitions, first),
        pick(crf.endTransitions, last),
      ]) as tf.Scalar,
  );
}
