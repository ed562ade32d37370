import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { OpError } from '@fets/pipeline';
import { LossOp, fmtShape, lossOptionsSchema } from '../loss/lossOp.js';
import { compactEmissions, crfGoldScore, crfLogPartition, stepMask } from './crfScores.js';
import { positionsFromLabels } from './labelledPositions.js';
import { LinearChainCrf } from './linearChainCrf.js';

const crfLossSchema = lossOptionsSchema.extend({
  /** The CRF whose transitions score the paths (its variables must be trained by the UpdateOp's model). */
  crf: z.custom<LinearChainCrf>((v) => v instanceof LinearChainCrf, 'expected a LinearChainCrf'),
  /** Label of positions outside the chain (sub-word continuations, special tokens, padding). */
  ignoreIndex: z.number().int().default(-100),
});

/** Options of {@link CrfLoss}. */
export type CrfLossOptions = z.input<typeof crfLossSchema>;

/**
 * Negative log-likelihood of the gold tag paths under a linear-chain CRF (Lafferty et al. 2001; as Flair, AllenNLP
 * and pytorch-crf): `inputs: [emissions [B, L, C], labels [B, L]]`. The chain of each sentence runs over its
 * labelled positions only (labels ≠ `ignoreIndex`), compacted, so sub-words, special tokens and padding never break
 * it; log Z by the forward algorithm in log space, batched over sentences. The summed NLL is divided by `denominator`
 * when set, else by the batch's labelled positions (the scale of a token-level cross entropy); with
 * `averageLoss: false` it is one value per sentence, `[B]` (0 for sentences without labels).
 *
 * @example
 * new CrfLoss({ inputs: ['yPred', 'y'], outputs: 'ce', crf: model.crf });
 */
export class CrfLoss extends LossOp<typeof crfLossSchema> {
  readonly crf: LinearChainCrf;
  readonly ignoreIndex: number;

  constructor(options: CrfLossOptions) {
    super(options, crfLossSchema);
    this.crf = this.options.crf;
    this.ignoreIndex = this.options.ignoreIndex;
  }

  override forward([emissions, labels]: tf.Tensor[]): tf.Tensor {
    const C = this.crf.numTags;
    if (
      emissions!.rank !== 3 ||
      emissions!.shape[2] !== C ||
      labels!.rank !== 2 ||
      labels!.shape.some((d, i) => d !== emissions!.shape[i])
    ) {
      this.shapeError(emissions!, labels!, `emissions [B, L, ${C}] and labels [B, L]`);
    }
    const [B, L] = labels!.shape as [number, number];
    const y = labels!.dataSync();
    for (let k = 0; k < y.length; k++) {
      const v = y[k]!;
      if (v !== this.ignoreIndex && !(v >= 0 && v < C && Number.isInteger(v))) {
        throw new OpError(
          this.name,
          this.trueKey,
          `expected labels in [0, ${C}) or ${this.ignoreIndex}, received ${v} at ${fmtShape([Math.floor(k / L), k % L])}`,
        );
      }
    }
    const pos = positionsFromLabels(y, B, L, this.ignoreIndex);
    const labelled = pos.lengths.reduce((a, b) => a + b, 0);
    return tf.tidy(() => {
      if (pos.rows.length === 0) {
        const zero = tf.mul(tf.sum(emissions!), 0);
        return this.averageLoss ? zero : tf.zeros([B]);
      }
      const e = compactEmissions(emissions as tf.Tensor3D, pos);
      const tags = Array.from(pos.rows, (_, r) =>
        Int32Array.from({ length: pos.lengths[r]! }, (_, t) => y[pos.index[r * pos.steps + t]!]!),
      );
      const logZ = crfLogPartition(e, stepMask(pos), this.crf);
      if (this.averageLoss) {
        const nll = tf.sub(tf.sum(logZ), crfGoldScore(e, tags, this.crf));
        return tf.div(nll, this.denominator ?? labelled);
      }
      const perRow = tags.map((t, r) => crfGoldScore(tf.slice(e, [r, 0, 0], [1, -1, -1]) as tf.Tensor3D, [t], this.crf));
      const nll = tf.sub(logZ, tf.stack(perRow));
      return tf.scatterND(
        tf.tensor2d(
          Array.from(pos.rows, (b) => [b]),
          [pos.rows.length, 1],
          'int32',
        ),
        nll,
        [B],
      );
    });
  }
}
