/**
 * Training on WebGPU: a tiny BERT token classifier (with dropout, so the seeded mask kernel runs) and LeNet learn,
 * the tensor count stays flat, and a train step reads nothing back from the GPU but the loss the caller asked for.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { NDArray } from '@fets/pipeline';
import { AdamW, CrossEntropy, ModelOp, Network, UpdateOp, bertForTokenClassification, build, getOptimizer, lenet } from '@fets/network';
import { countReadBacks } from '../readBacks.js';
import { rng } from './compare.js';
import { trainSteps as train } from './steps.js';

describe('webgpu: training runs', function () {
  this.timeout(180_000);

  it('a tiny BERT token classifier (dropout 0.1, AdamW, clipNorm) learns; flat tensor count; one read per step (the loss)', async () => {
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
          hiddenDropoutProb: 0.1,
          attentionProbsDropoutProb: 0.1,
          seed: 3,
          name: 'gpuNer',
        }),
      () => new AdamW({ learningRate: 3e-3, weightDecay: 0.01 }),
    );
    const network = new Network([
      new ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true, ignoreIndex: -100 }),
      new UpdateOp({ model, lossName: 'loss', clipNorm: 1 }),
    ]);
    const B = 4;
    const L = 7;
    const ids = Int32Array.from({ length: B * L }, (_, i) => (i % L === 0 ? 1 : 2 + ((i * 7) % 30)));
    const mask = Int32Array.from({ length: B * L }, (_, i) => (i % L < L - (i % 3) ? 1 : 0));
    const labels = Int32Array.from({ length: B * L }, (_, i) => (i % L === 0 || mask[i] === 0 ? -100 : ids[i]! % 4));
    const batch = {
      x: new NDArray(ids, [B, L], 'int32'),
      xMask: new NDArray(mask, [B, L], 'int32'),
      y: new NDArray(labels, [B, L], 'int32'),
    };
    const r = await train(network, batch, 30);
    expect(r.end, 'tensor count after step 3 and after step 30').to.equal(r.after3);
    expect(r.losses.every(Number.isFinite)).to.equal(true);
    expect(r.losses.at(-1)!).to.be.below(r.losses[0]! * 0.5);
    // The loss value runStep returns is the only thing read back; the labels' range check reads host values.
    expect(new Set(r.reads.slice(1))).to.deep.equal(new Set([1]));
    const ev = await network.runStep(batch, { mode: 'eval', epoch: 1 }, ['yPred']);
    expect((ev.yPred as NDArray).shape).to.deep.equal([B, L, 4]);
    model.dispose();
    getOptimizer(model).dispose();
  });

  it('BERT-tiny with dropout 0.1 follows the cpu backend step for step (same seed, same dropout masks)', async () => {
    const B = 3;
    const L = 9;
    const ids = Int32Array.from({ length: B * L }, (_, i) => (i % L === 0 ? 1 : 2 + ((i * 5) % 37)));
    const mask = Int32Array.from({ length: B * L }, (_, i) => (i % L < L - (i % 2) ? 1 : 0));
    const labels = Int32Array.from({ length: B * L }, (_, i) => (i % L === 0 || mask[i] === 0 ? -100 : ids[i]! % 5));
    const batch = {
      x: new NDArray(ids, [B, L], 'int32'),
      xMask: new NDArray(mask, [B, L], 'int32'),
      y: new NDArray(labels, [B, L], 'int32'),
    };
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const model = build(
        () =>
          bertForTokenClassification({
            vocabSize: 40,
            hiddenSize: 16,
            numHiddenLayers: 2,
            numAttentionHeads: 2,
            intermediateSize: 32,
            maxPositionEmbeddings: 16,
            numLabels: 5,
            hiddenDropoutProb: 0.1,
            attentionProbsDropoutProb: 0.1,
            seed: 8,
            name: 'gpuVsCpu',
          }),
        () => new AdamW({ learningRate: 1e-3, weightDecay: 0.01 }),
      );
      const network = new Network([
        new ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
        new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true, ignoreIndex: -100 }),
        new UpdateOp({ model, lossName: 'loss', clipNorm: 1 }),
      ]);
      const losses: number[] = [];
      for (let step = 0; step < 4; step++)
        losses.push((await network.runStep(batch, { mode: 'train', epoch: 1 }, ['loss'])).loss as number);
      model.dispose();
      getOptimizer(model).dispose();
      return losses;
    };
    try {
      const gpu = await run('webgpu');
      const cpu = await run('cpu');
      for (let k = 0; k < gpu.length; k++) expect(gpu[k], `step ${k + 1}: webgpu ${gpu} vs cpu ${cpu}`).to.be.closeTo(cpu[k]!, 1e-4);
    } finally {
      await tf.setBackend('webgpu');
    }
  });

  it('LeNet (conv, pooling, dense, Adam) learns a 3-class image task; flat tensor count; one read per step', async () => {
    const model = build(
      () => lenet({ seed: 1, inputShape: [18, 18, 1], classes: 3 }),
      () => tf.train.adam(3e-3),
    );
    const network = new Network([
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss' }),
      new UpdateOp({ model, lossName: 'loss' }),
    ]);
    // Class c: a bright 4×4 square in one of three places, plus noise.
    const r = rng(5);
    const B = 12;
    const S = 18;
    const x = new Float32Array(B * S * S);
    const y = Int32Array.from({ length: B }, (_, i) => i % 3);
    for (let b = 0; b < B; b++) {
      const [oy, ox] = [
        [1, 1],
        [11, 5],
        [3, 11],
      ][y[b]!]!;
      for (let i = 0; i < S * S; i++) x[b * S * S + i] = 0.2 * r();
      for (let dy = 0; dy < 6; dy++) for (let dx = 0; dx < 6; dx++) x[b * S * S + (oy! + dy) * S + ox! + dx] = 1;
    }
    const batch = { x: new NDArray(x, [B, S, S, 1], 'float32'), y: new NDArray(y, [B], 'int32') };
    const t = await train(network, batch, 25);
    expect(t.end).to.equal(t.after3);
    expect(t.losses.at(-1)!).to.be.below(t.losses[0]! * 0.5);
    expect(new Set(t.reads.slice(1))).to.deep.equal(new Set([1]));
    model.dispose();
  });

  it('inside a step (forward, backward, AdamW update) nothing is read back', async () => {
    const model = lenet({ seed: 2, inputShape: [18, 18, 1], classes: 3 });
    const opt = new AdamW({ learningRate: 1e-3 });
    const x = tf.randomUniform([4, 18, 18, 1], 0, 1, 'float32', 7);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
        opt.applyGradients(grads);
        return value;
      });
    tf.dispose(step()); // compile the shaders first
    const { value, reads } = await countReadBacks(() => step());
    expect(reads).to.equal(0);
    expect(Number.isFinite((await value.data())[0]!)).to.equal(true);
    tf.dispose([value, x, y]);
    model.dispose();
    opt.dispose();
  });

  it('initialisation is seeded and the same on webgpu as on the cpu backend', async () => {
    const weights = async () => {
      const m = lenet({ seed: 9, inputShape: [18, 18, 1], classes: 3 });
      const out = await Promise.all(m.getWeights().map(async (w) => Array.from((await w.data()) as Float32Array)));
      m.dispose();
      return out;
    };
    const gpu = await weights();
    await tf.setBackend('cpu');
    const cpu = await weights();
    await tf.setBackend('webgpu');
    expect(gpu).to.deep.equal(cpu);
  });
});
