/**
 * The BERT token-classification task the model-step, overhead and profile figures time, written as a plain tfjs
 * loop (no Network, no Estimator): fets's BertForTokenClassification (preset size, 30,522-row WordPiece embedding,
 * dropout 0.1), batch 32 (FETS_BENCH_BATCH) × 64 tokens of random ids with a full attention mask, 25 labels, mean softmax cross-entropy
 * over all tokens, fets's AdamW (lr 1e-4, weight decay 0.01). bench/torch_step.py builds the same in PyTorch.
 */
import * as tf from '@tensorflow/tfjs';
import { AdamW, bertForTokenClassification, bertPreset, sparseSoftmaxCrossEntropy, type BertForTokenClassification } from '@fets/network';

/**
 * Sequences a batch (default 32). `FETS_BENCH_BATCH` changes it for every process of a figure (bench/torch_step.py
 * reads the same variable): bert-base's train step at 32 × 64 outgrows the wasm heap's 4 GiB (docs/performance.md).
 */
export const BATCH = benchBatch(process.env.FETS_BENCH_BATCH);

function benchBatch(v: string | undefined): number {
  if (v === undefined || v.trim() === '') return 32;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new Error(`FETS_BENCH_BATCH: expected an integer from 1 to 1024, received "${v}"`);
  return n;
}
export const SEQ = 64;
export const LABELS = 25;
export const VOCAB_SIZE = 30522;

/** A batch as plain arrays (what a Pipeline would hand over). */
export interface BertBatch {
  ids: Int32Array;
  mask: Int32Array;
  labels: Int32Array;
}

/** Deterministic batches of random token ids (a small LCG: identical in every process). */
export function bertBatches(n: number, seed = 0): BertBatch[] {
  let s = (seed * 2654435761 + 12345) >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, () => {
    const ids = new Int32Array(BATCH * SEQ);
    const labels = new Int32Array(BATCH * SEQ);
    for (let i = 0; i < ids.length; i++) {
      ids[i] = 1 + Math.floor(rnd() * (VOCAB_SIZE - 1));
      labels[i] = Math.floor(rnd() * LABELS);
    }
    return { ids, mask: new Int32Array(BATCH * SEQ).fill(1), labels };
  });
}

/** A preset-size model and its optimizer. */
export function bertTask(size: string, seed = 0): { model: BertForTokenClassification; optimizer: AdamW } {
  const model = bertForTokenClassification(bertPreset(size, { numLabels: LABELS, seed }));
  return { model, optimizer: new AdamW({ learningRate: 1e-4, weightDecay: 0.01 }) };
}

/** Mean cross-entropy of logits [B, L, C] against int labels [B, L] (the math of fets's CrossEntropy, sparse form). */
export function tokenCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  // The loss CrossEntropy computes for sparse labels and logits (one fused softmax), so the hand loop and fets do
  // the same arithmetic; PyTorch's F.cross_entropy is fused likewise.
  const c = logits.shape[logits.shape.length - 1]!;
  return tf.mean(
    sparseSoftmaxCrossEntropy(tf.reshape(logits, [-1, c]) as tf.Tensor2D, tf.reshape(labels, [-1]) as tf.Tensor1D),
  ) as tf.Scalar;
}

/** One training step by hand: tensors from the batch, gradients, AdamW update, the loss read back. */
export async function bertTrainStep(model: BertForTokenClassification, optimizer: AdamW, b: BertBatch): Promise<number> {
  const vars = model.trainableWeights();
  const x = tf.tensor2d(b.ids, [BATCH, SEQ], 'int32');
  const m = tf.tensor2d(b.mask, [BATCH, SEQ], 'int32');
  const y = tf.tensor2d(b.labels, [BATCH, SEQ], 'int32');
  const { value, grads } = tf.variableGrads(() => tokenCrossEntropy(model.call([x, m], true) as tf.Tensor, y), vars);
  const loss = (await value.data())[0]!;
  optimizer.applyGradients(grads);
  tf.dispose([value, grads, x, m, y]);
  return loss;
}

/** One inference pass: logits computed and read back. */
export async function bertInfer(model: BertForTokenClassification, b: BertBatch): Promise<void> {
  const x = tf.tensor2d(b.ids, [BATCH, SEQ], 'int32');
  const m = tf.tensor2d(b.mask, [BATCH, SEQ], 'int32');
  const logits = model.call([x, m], false) as tf.Tensor;
  await logits.data();
  tf.dispose([logits, x, m]);
}
