import * as tf from '@tensorflow/tfjs';
import { bertPreset } from '../architectures/bert/presets.js';
import { bertForTokenClassification, type BertForTokenClassification } from '../architectures/bert/tokenClassification.js';
import { clipByGlobalNorm } from '../ops/updateOp.js';
import { AdamW } from '../optimizers/adamw.js';

/** Options of {@link bertTrainStep}. */
export interface BertTrainStepOptions {
  /** Preset size (`tiny`, `mini`, `small`, ...); default `mini`. */
  size?: string;
  /** Sequences per batch; default 32. */
  batch?: number;
  /** Tokens per sequence; default 64. */
  seq?: number;
  /** Token classes of the head; default 25 (MIT Movie's BIO tags). */
  numLabels?: number;
  /** Global-norm gradient clipping as UpdateOp's `clipNorm`; default 1 (null: none). */
  clipNorm?: number | null;
  /** Seed of weights, dropout and the random batch; default 0. */
  seed?: number;
}

/** A ready training step: {@link BertTrainStep.step} runs one, {@link BertTrainStep.dispose} frees everything. */
export interface BertTrainStep {
  model: BertForTokenClassification;
  optimizer: AdamW;
  /** One step on the fixed random batch; returns the loss. */
  step(): number;
  dispose(): void;
}

/**
 * A BERT token-classification training step as fets's Network/UpdateOp runs it, for benchmarks and kernel profiles:
 * `tf.variableGrads` of a masked sparse softmax cross-entropy over `BertForTokenClassification` logits (dropout on,
 * AdamW with weight decay 0.01, global-norm clipping), then `AdamW.applyGradients`. The batch is random token ids
 * (30,522-row vocabulary) with ragged attention masks, fixed for the life of the step.
 *
 * @example
 * const s = bertTrainStep({ size: 'mini' });
 * const { rows } = await profileKernels(() => s.step(), { repeats: 3 });
 * s.dispose();
 */
export function bertTrainStep(options: BertTrainStepOptions = {}): BertTrainStep {
  const B = options.batch ?? 32;
  const L = options.seq ?? 64;
  const numLabels = options.numLabels ?? 25;
  const seed = options.seed ?? 0;
  const clipNorm = options.clipNorm === undefined ? 1 : options.clipNorm;
  const model = bertForTokenClassification(bertPreset(options.size ?? 'mini', { numLabels, seed }));
  const optimizer = new AdamW({ learningRate: 1e-4, weightDecay: 0.01 });
  const vars = model.trainableWeights();
  let s = (seed * 2654435761 + 1) >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const ids = new Int32Array(B * L);
  const mask = new Int32Array(B * L);
  const labels = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    const len = Math.max(2, Math.round(L * (0.3 + 0.7 * rnd())));
    for (let t = 0; t < L; t++) {
      const i = b * L + t;
      mask[i] = t < len ? 1 : 0;
      ids[i] = t < len ? 1 + Math.floor(rnd() * 30521) : 0;
      labels[i] = Math.floor(rnd() * numLabels);
    }
  }
  const x = tf.tensor2d(ids, [B, L], 'int32');
  const m = tf.tensor2d(mask, [B, L], 'int32');
  const y = tf.tensor1d(labels, 'int32');
  const w = tf.tensor1d(Float32Array.from(mask));
  return {
    model,
    optimizer,
    step() {
      const { value, grads } = tf.variableGrads(() => {
        const logits = tf.reshape(model.call([x, m], true), [B * L, numLabels]);
        const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(y, numLabels), tf.logSoftmax(logits)), -1));
        return tf.div(tf.sum(tf.mul(nll, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
      }, vars);
      const loss = value.dataSync()[0]!;
      value.dispose();
      let list: (tf.Tensor | null)[] = vars.map((v) => grads[v.name] ?? null);
      if (clipNorm !== null) {
        const clipped = clipByGlobalNorm(list, clipNorm);
        tf.dispose(list.filter((g): g is tf.Tensor => g !== null));
        list = clipped;
      }
      const map: tf.NamedTensorMap = {};
      vars.forEach((v, i) => {
        if (list[i]) map[v.name] = list[i]!;
      });
      optimizer.applyGradients(map);
      tf.dispose(list.filter((g): g is tf.Tensor => g !== null));
      // Wait for the update (wasm runs synchronously; this keeps other backends honest).
      vars[0]!.dataSync();
      return loss;
    },
    dispose() {
      model.dispose();
      optimizer.dispose();
      tf.dispose([x, m, y, w]);
    },
  };
}
