/** A small BERT token classifier and its tokenizer for the model-folder tests (random weights, seeded). */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';

export const LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
const WORDS = ['tom', 'hanks', 'paris', 'the', 'film', 'in', 'un', 'aff', 'able', 'star', 'war', 'run'];
/** Words, `##` continuations, a few characters: words like 'unaffable' or 'stars' take several sub-tokens. */
export const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  ...WORDS,
  ...WORDS.map((w) => `##${w}`),
  '##s',
  '##e',
  'e',
  's',
  '.',
  ',',
];

/** A fresh BertForTokenClassification over {@link VOCAB} with {@link LABELS}. */
export function tinyModel(seed = 3): fe.architecture.BertForTokenClassification {
  return fe.architecture.bertForTokenClassification({ ...tinyConfig, seed });
}

const tinyConfig = {
  vocabSize: VOCAB.length,
  hiddenSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  intermediateSize: 32,
  maxPositionEmbeddings: 64,
  id2label: LABELS,
  hiddenDropoutProb: 0,
  attentionProbsDropoutProb: 0,
  initializerRange: 0.5,
};

/**
 * A fresh BertCrfForTokenClassification over {@link VOCAB} with {@link LABELS}; with `strong`, transitions and start
 * scores drawn in ±4 and ±2 (seeded), so that Viterbi's path often differs from the per-word argmax.
 */
export function tinyCrfModel(seed = 5, strong = false): fe.architecture.BertCrfForTokenClassification {
  const model = fe.architecture.bertCrfForTokenClassification({ ...tinyConfig, seed });
  if (strong) {
    const C = LABELS.length;
    const t = tf.randomUniform([C, C], -4, 4, 'float32', seed + 11);
    const s = tf.randomUniform([C], -2, 2, 'float32', seed + 12);
    model.crf.transitions.assign(t);
    model.crf.startTransitions.assign(s);
    tf.dispose([t, s]);
  }
  return model;
}

/** The tokenizer and the BertTokenize op of a training Pipeline over {@link VOCAB}. */
export function tinyTokenize(maxLen = 10): fe.op.BertTokenize {
  const tokenizer = new fe.text.BertWordPieceTokenizer(VOCAB, { lowercase: true });
  return new fe.op.BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels: LABELS, maxLen });
}

/** Sentences of `n` words drawn with a seeded generator (some words several sub-tokens, some unknown). */
export function sentences(count: number, maxWords: number, seed = 1): string[][] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pool = [...WORDS, 'unaffable', 'stars', 'Tom', 'Hanks', 'PARIS', 'runs', 'xyz', 'films.', 'e'];
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(rnd() * maxWords) }, () => pool[Math.floor(rnd() * pool.length)]!),
  );
}

/** A new temporary folder. */
export const tempDir = (tag: string) => mkdtempSync(path.join(os.tmpdir(), `fets-${tag}-`));
