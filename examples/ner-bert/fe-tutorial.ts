/**
 * `npm run ner:tutorial`: FastEstimator's BERT named-entity-recognition tutorial
 * (apphub/NLP/named_entity_recognition/bert.ipynb), ported op for op: the same keys (x, y, x_masks → xMasks,
 * y_pred → yPred), the same ops in the same order, max_len 20, batch size 64, Accuracy and BestModelSaver on the
 * loss, then inference on the tutorial's phrase with `pipeline.transform` / `network.transform` and a reloaded model.
 *
 * It keeps the tutorial's recipe, flaws included, so the two can be compared. What train.ts / recipe.ts do instead:
 * - The tutorial WordPiece-tokenizes the whole sentence and pads the tag list separately: once a word splits into
 *   several pieces ("trilogy" → "tri", "##logy"), every later token is paired with the wrong tag. recipe.ts uses
 *   BertTokenize: each word's label sits on its first sub-token, -100 on the others.
 * - No [CLS]/[SEP] around the sequence (BERT was pretrained with them); recipe.ts adds them.
 * - Padding is labelled with an extra class (id = number of tags) that the loss trains and Accuracy counts, so the
 *   reported accuracy is inflated by easy padding positions. recipe.ts pads labels with -100, ignored by both.
 * - max_len 20 cuts longer queries; token accuracy instead of entity-level F1 (recipe.ts: seqeval, strict IOB2).
 * Changed here on purpose (not part of the recipe): the model is BERT-tiny trained from scratch, not pretrained
 * bert-base-uncased (no weights offline, and too slow on this CPU), hence Adam at 1e-3 instead of 1e-5; the head emits
 * logits and CrossEntropy gets `fromLogits` (the tutorial's Dense softmax + cross-entropy, computed stably); and the
 * default run is short (2 epochs of at most 100 steps). Flags: --epochs N --trainStepsPerEpoch N --model tiny|mini
 * --lr X --dataDir DIR (default $FETS_DATA_DIR) --vocab FILE --saveDir DIR.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';
import { resolveVocab } from './recipe.js';
import { nerConfigSchema } from './config.js';

const { values: flags } = parseArgs({
  options: Object.fromEntries(
    ['epochs', 'trainStepsPerEpoch', 'evalStepsPerEpoch', 'model', 'lr', 'dataDir', 'vocab', 'saveDir'].map((k) => [
      k,
      { type: 'string' as const },
    ]),
  ),
  strict: true,
});

// The tutorial's parameters cell.
const maxLen = 20;
const batchSize = 64;
const epochs = Number(flags.epochs ?? 2); // tutorial: 10
const trainStepsPerEpoch = flags.trainStepsPerEpoch === 'none' ? undefined : Number(flags.trainStepsPerEpoch ?? 100); // tutorial: None
const evalStepsPerEpoch = flags.evalStepsPerEpoch ? Number(flags.evalStepsPerEpoch) : undefined;
const saveDir = flags.saveDir ?? mkdtempSync(path.join(os.tmpdir(), 'fets-ner-tutorial-'));
const dataDir = flags.dataDir ?? process.env.FETS_DATA_DIR;
const modelSize = flags.model ?? 'tiny';
const lr = Number(flags.lr ?? 1e-3);

await fe.initBackend();
fe.enableDeterministic(0);

// The tutorial's char2idx: tag → id, in the label vocabulary's order.
const char2idx = (labels: readonly string[]) => new Map(labels.map((t, i) => [t, i]));

// Step 1: data and Pipeline. FastEstimator's loader gives `x` as the sentence string and `y` as its tags; ours gives
// `words` and `tags`, so a first op rebuilds the tutorial's keys (training and evaluation only: at inference the
// caller passes x and y, as the tutorial does).
const {
  train: trainData,
  evalData,
  labels,
} = await fe.dataset.mitMovie.loadData(dataDir ? { rootDir: path.join(dataDir, 'mit-movie') } : {});
const labelVocab = [...labels.labels];
const tokenizer = await fe.text.BertWordPieceTokenizer.fromVocabFile(
  await resolveVocab(nerConfigSchema.parse({ ...(flags.vocab ? { vocab: flags.vocab } : {}), ...(dataDir ? { dataDir } : {}) }), false),
  { lowercase: true },
);
const tag2idx = char2idx(labelVocab);
const pipeline = new fe.Pipeline({
  trainData,
  evalData,
  batchSize,
  ops: [
    new fe.op.numpyop.LambdaOp({
      fn: (words: string[], tags: string[]) => [words.join(' '), tags],
      inputs: ['words', 'tags'],
      outputs: ['x', 'y'],
      mode: '!infer',
    }),
    new fe.op.Tokenize({ inputs: 'x', outputs: 'x', tokenizeFn: (text: string) => tokenizer.tokenize(text) }),
    new fe.op.WordtoId({ inputs: 'x', outputs: 'x', mapping: (token: string) => tokenizer.convertTokensToIds([token])[0] }),
    new fe.op.WordtoId({ inputs: 'y', outputs: 'y', mapping: tag2idx }),
    new fe.op.PadSequence({ maxLen, inputs: 'x', outputs: 'x' }),
    new fe.op.PadSequence({ maxLen, value: tag2idx.size, inputs: 'y', outputs: 'y' }),
    new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMasks' }),
  ],
});

// Step 2: model and Network. The head has one output per tag plus one for the padding class.
const nerModel = () =>
  fe.architecture.bertForTokenClassification(
    fe.architecture.bertPreset(modelSize, { vocabSize: tokenizer.vocabSize, id2label: [...labelVocab, '[PAD]'], seed: 0, name: 'bert' }),
  );
const model = fe.build(nerModel(), () => tf.train.adam(lr), { modelName: 'model' });
const network = new fe.Network([
  new fe.op.ModelOp({ model, inputs: ['x', 'xMasks'], outputs: 'yPred' }),
  new fe.op.Reshape({ inputs: 'y', outputs: 'y', shape: [-1] }),
  new fe.op.Reshape({ inputs: 'yPred', outputs: 'yPred', shape: [-1, labelVocab.length + 1] }),
  new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true }),
  new fe.op.UpdateOp({ model, lossName: 'loss' }),
]);

// Step 3: Estimator.
const traces = [new fe.trace.Accuracy({ trueKey: 'y', predKey: 'yPred' }), new fe.trace.BestModelSaver({ model, saveDir })];
const estimator = new fe.Estimator({
  network,
  pipeline,
  epochs,
  traces,
  ...(trainStepsPerEpoch ? { trainStepsPerEpoch } : {}),
  ...(evalStepsPerEpoch ? { evalStepsPerEpoch } : {}),
});
await estimator.fit();

// Inferencing: reload the best weights into a new model, as the tutorial does with fe.build(weights_path=...).
const modelPath = path.join(saveDir, 'model_best_loss.safetensors');
const trainedModel = fe.build(nerModel(), () => tf.train.adam(lr), { modelName: 'model', weightsPath: modelPath });

const testInput = 'have you seen The dark night trilogy';
const testGroundTruth = ['O', 'O', 'O', 'O', 'B-TITLE', 'I-TITLE', 'I-TITLE'];
const inferData = { x: testInput, y: testGroundTruth };
let data = pipeline.transform(inferData, 'infer');
data = await network.transform(data, 'infer');

const logits = fe.feedForward(trainedModel, [data.x as fe.NDArray, data.xMasks as fe.NDArray], { training: false }) as tf.Tensor;
const predictions = tf.tidy(() => tf.argMax(tf.reshape(logits, [maxLen, labelVocab.length + 1]), -1).arraySync() as number[]);
logits.dispose();
const getKey = (val: number) => {
  for (const [key, value] of tag2idx) if (val === value) return key;
  return 'None';
};
console.log(`Predictions:  [${predictions.map((p) => (getKey(p) === 'None' ? 'None' : `'${getKey(p)}'`)).join(', ')}]`);
const pieces = tokenizer.tokenize(testInput);
console.log('Per token:   ', pieces.map((p, i) => `${p}/${getKey(predictions[i]!)}`).join(' '));
const split = testInput.split(' ').filter((w) => tokenizer.tokenize(w).length > 1);
console.log(
  `Ground truth (per word): ${testGroundTruth.join(' ')}` +
    (split.length > 0 ? ` (split into several WordPiece tokens: ${split.join(', ')}: later tokens and tags drift apart)` : ''),
);
