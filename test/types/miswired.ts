/**
 * Each miswiring of the README's script is a compile error: the `@ts-expect-error` lines fail the build when the error
 * goes missing. Type-checked by `npm test`; never run.
 */
import * as fe from '@fets/estimator';

declare const tokenizer: fe.text.BertWordPieceTokenizer;
declare const model: fe.Model;
declare const labels: string[];
declare const train: fe.dataset.ConllDataset;

const tokenize = () => new fe.op.BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels, maxLen: 48 });
const good = () =>
  new fe.Pipeline({ trainData: train, evalData: train, ops: [tokenize(), new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask' })] });
const network = () =>
  new fe.Network([
    new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce' }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);

export function opInput() {
  return new fe.Pipeline({
    trainData: train,
    // @ts-expect-error xx is read but no data set or earlier op provides it (mode train)
    ops: [tokenize(), new fe.op.AttentionMask({ inputs: 'xx', outputs: 'xMask' })],
  });
}

export function attentionMaskOnWords() {
  return new fe.Pipeline({
    trainData: train,
    // @ts-expect-error words holds a value of another type than this op reads (mode train)
    ops: [new fe.op.AttentionMask({ inputs: 'words', outputs: 'xMask' })],
  });
}

export function trainOnlyKeyReadInEval() {
  return new fe.Pipeline({
    trainData: train,
    evalData: train,
    ops: [
      tokenize(),
      new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask', mode: 'train' }),
      // @ts-expect-error xMask is read but no data set or earlier op provides it (mode eval)
      new fe.op.AttentionMask({ inputs: 'xMask', outputs: 'm2' }),
    ],
  });
}

export function crossEntropyOnYy() {
  const net = new fe.Network([
    new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'yy'], outputs: 'ce' }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);
  // @ts-expect-error Network reads yy, which the Pipeline's batch does not have (mode train eval)
  return new fe.Estimator({ pipeline: good(), network: net, epochs: 1 });
}

export function updateOpLoss() {
  return new fe.Network([
    new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce' }),
    // @ts-expect-error cee is UpdateOp's loss but no op of this Network writes it (mode train)
    new fe.op.UpdateOp({ model, lossName: 'cee' }),
  ]);
}

export function seqEvalPredKey() {
  return new fe.Estimator({
    pipeline: good(),
    network: network(),
    epochs: 1,
    // @ts-expect-error yPredd is read but neither the Pipeline, the Network nor a trace provides it (mode eval)
    traces: [new fe.trace.SeqEval({ trueKey: 'y', predKey: 'yPredd', labels })],
  });
}

export function networkKeyTheBatchLacks() {
  const net = new fe.Network([
    new fe.op.ModelOp({ model, inputs: ['x', 'mask'], outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce' }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);
  // @ts-expect-error Network reads mask, which the Pipeline's batch does not have (mode train eval)
  return new fe.Estimator({ pipeline: good(), network: net, epochs: 1 });
}
