import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { NDArray } from '@fets/pipeline';
import {
  AdamW,
  CrossEntropy,
  ModelOp,
  Network,
  UpdateOp,
  bertForTokenClassification,
  build,
  getOptimizer,
  trainableVariables,
} from '@fets/network';

describe('network/integration: token classification with a tiny BERT FunctionModel', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('ModelOp + CrossEntropy(ignoreIndex) + UpdateOp(adamw, clipNorm) lowers the loss, tensor count flat', async () => {
    const model = build(
      () =>
        bertForTokenClassification({
          vocabSize: 40,
          hiddenSize: 16,
          numHiddenLayers: 1,
          numAttentionHeads: 2,
          intermediateSize: 32,
          maxPositionEmbeddings: 16,
          numLabels: 4,
          hiddenDropoutProb: 0,
          attentionProbsDropoutProb: 0,
          seed: 3,
          name: 'tinyNer',
        }),
      () => new AdamW({ learningRate: 3e-3, weightDecay: 0.01 }),
    );
    const opt = getOptimizer(model) as AdamW;
    const names = trainableVariables(model).map((v) => v.name);
    expect(
      names.some((n) => !opt.decays(n)),
      'some variables excluded from decay',
    ).to.equal(true);
    expect(
      names.some((n) => opt.decays(n)),
      'some variables decayed',
    ).to.equal(true);
    const network = new Network([
      new ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true, ignoreIndex: -100 }),
      new UpdateOp({ model, lossName: 'loss', clipNorm: 1 }),
    ]);
    const B = 4;
    const L = 6;
    const ids = Int32Array.from({ length: B * L }, (_, i) => (i % L === 0 ? 1 : 2 + ((i * 7) % 30)));
    const mask = Int32Array.from({ length: B * L }, (_, i) => (i % L < L - (i % 3) ? 1 : 0));
    const labels = Int32Array.from({ length: B * L }, (_, i) => (i % L === 0 || mask[i] === 0 ? -100 : ids[i]! % 4));
    const batch = {
      x: new NDArray(ids, [B, L], 'int32'),
      xMask: new NDArray(mask, [B, L], 'int32'),
      y: new NDArray(labels, [B, L], 'int32'),
    };
    const losses: number[] = [];
    let at5 = -1;
    for (let step = 1; step <= 30; step++) {
      const out = await network.runStep(batch, { mode: 'train', epoch: 1 }, ['loss']);
      losses.push(out.loss as number);
      if (step === 5) at5 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).to.equal(at5);
    expect(losses[29]!).to.be.below(losses[0]! * 0.5);
    const ev = await network.runStep(batch, { mode: 'eval', epoch: 1 }, ['yPred']);
    expect((ev.yPred as NDArray).shape).to.deep.equal([B, L, 4]);
    model.dispose();
    opt.dispose();
  });
});
