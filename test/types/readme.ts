/**
 * The README's "A script", unchanged: it must compile with no annotation and no cast (type-checked by `npm test`
 * through test/tsconfig.json; never run: `declare` stands for what a real script has).
 */
import * as fe from '@fets/estimator';

declare const vocabPath: string;

export async function readmeScript() {
  await fe.initBackend();
  const { train, test, labels } = await fe.dataset.mitMovie.loadData();
  const tokenizer = await fe.text.BertWordPieceTokenizer.fromVocabFile(vocabPath, { lowercase: true });
  const pipeline = new fe.Pipeline({
    trainData: train,
    evalData: train.split(0.1, { seed: 0 }),
    testData: test,
    batchSize: 32,
    ops: [
      new fe.op.BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels: [...labels.labels], maxLen: 48 }),
      new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask' }),
    ],
  });
  const model = fe.build(
    fe.architecture.bertForTokenClassification(fe.architecture.bertPreset('mini', { id2label: [...labels.labels] })),
    'adamw',
  );
  const network = new fe.Network([
    new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true, ignoreIndex: -100 }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);
  const estimator = new fe.Estimator({
    pipeline,
    network,
    epochs: 5,
    traces: [new fe.trace.SeqEval({ trueKey: 'y', predKey: 'yPred', labels: [...labels.labels], mode: ['eval', 'test'] })],
  });
  await estimator.fit();
  return { pipeline, network, estimator };
}
