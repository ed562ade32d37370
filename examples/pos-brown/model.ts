/**
 * A window tagger (Collobert & Weston style): each word is the concatenation of a word, a suffix and a word-shape
 * embedding; a token's tag is read from the embeddings of a window of 2·window+1 words around it through two dense
 * layers. No recurrence, no attention: on this 2-core wasm machine a step costs a few tens of milliseconds, so it
 * trains to well above the most-frequent-tag baseline in a few minutes.
 */
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';

/** Sizes of the window tagger. */
export interface WindowTaggerOptions {
  vocabSize: number;
  suffixSize: number;
  shapeSize: number;
  numTags: number;
  /** Words on each side of the tagged word. */
  window?: number;
  wordDim?: number;
  suffixDim?: number;
  shapeDim?: number;
  hidden?: number;
  dropout?: number;
  seed?: number;
}

/**
 * Builds the tagger. Inputs `[x, suffix, shape]`, each int32 `[B, L]` with 0 as padding; output logits `[B, L, numTags]`.
 *
 * @example
 * const model = windowTagger({ vocabSize: 25000, suffixSize: 3000, shapeSize: 8, numTags: 92 });
 * new fe.op.ModelOp({ model, inputs: ['x', 'suffix', 'shape'], outputs: 'yPred' });
 */
export function windowTagger(options: WindowTaggerOptions): fe.architecture.FunctionModel {
  const {
    vocabSize,
    suffixSize,
    shapeSize,
    numTags,
    window = 2,
    wordDim = 64,
    suffixDim = 32,
    shapeDim = 8,
    hidden = 256,
    dropout = 0.25,
    seed = 0,
  } = options;
  let s = seed;
  const normal = (shape: number[], std: number, name: string) => tf.variable(tf.randomNormal(shape, 0, std, 'float32', s++), true, name);
  const zeros = (shape: number[], name: string) => tf.variable(tf.zeros(shape), true, name);
  const dim = wordDim + suffixDim + shapeDim;
  const span = 2 * window + 1;
  const vars = [
    normal([vocabSize, wordDim], 0.1, 'word_embeddings'),
    normal([suffixSize, suffixDim], 0.1, 'suffix_embeddings'),
    normal([shapeSize, shapeDim], 0.1, 'shape_embeddings'),
    normal([span * dim, hidden], Math.sqrt(2 / (span * dim)), 'hidden.weight'),
    zeros([hidden], 'hidden.bias'),
    normal([hidden, numTags], Math.sqrt(1 / hidden), 'classifier.weight'),
    zeros([numTags], 'classifier.bias'),
  ];
  const [wordE, sufE, shapeE, w1, b1, w2, b2] = vars as [
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
  ];
  let dropoutSeed = seed * 7919 + 1;

  return fe.architecture.functionModel({
    name: 'WindowTagger',
    variables: vars,
    call: ([x, suffix, shape], training) => {
      const [B, L] = x!.shape as [number, number];
      // Padding positions become zero vectors, the same as the zero padding around the window at the sentence ends.
      const mask = tf.expandDims(tf.cast(tf.notEqual(x!, 0), 'float32'), 2);
      const e = tf.mul(tf.concat([tf.gather(wordE, x!), tf.gather(sufE, suffix!), tf.gather(shapeE, shape!)], 2), mask);
      const padded = tf.pad(e, [
        [0, 0],
        [window, window],
        [0, 0],
      ]);
      const windows = tf.concat(
        Array.from({ length: span }, (_, k) => tf.slice(padded, [0, k, 0], [B, L, dim])),
        2,
      );
      let h = tf.relu(tf.add(tf.matMul(tf.reshape(windows, [B * L, span * dim]), w1), b1));
      if (training && dropout > 0) h = tf.dropout(h, dropout, undefined, dropoutSeed++);
      return tf.reshape(tf.add(tf.matMul(h, w2), b2), [B, L, numTags]);
    },
  });
}
