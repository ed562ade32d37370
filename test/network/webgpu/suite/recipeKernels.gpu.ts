/**
 * The ops masked-LM pretraining and ResNet9 add to what kernels.gpu.ts covers, on webgpu against the cpu backend
 * (values and gradients, odd sizes): Keras batch normalisation in training mode (its moving statistics included),
 * global max pooling, the cross-entropy on probabilities, and whole-model gradients of a BertForMaskedLM (positions
 * gathered, decoder tied to the word embeddings) and of a ResNet9.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { CrossEntropy, bertForMaskedLM, resnet9, sparseSoftmaxCrossEntropy } from '@fets/network';
import { maxRelDiff, onBoth, values } from './compare.js';

/** Copies of `ts` that outlive a tidy scope and the variables they came from. */
const kept = (ts: tf.Tensor[]) => ts.map((t) => t.clone());

describe('webgpu: the ops of masked-LM pretraining and ResNet9, against the cpu backend', () => {
  for (const shape of [
    [3, 5, 7, 6],
    [2, 3, 3, 13],
  ]) {
    it(`Keras BatchNormalization (momentum 0.8) in training mode: y, dx, dγ, dβ and the moving statistics, [${shape}]`, async () => {
      const c = shape.at(-1)!;
      const n = shape.reduce((p, d) => p * d, 1);
      const f = () => {
        const layer = tf.layers.batchNormalization({ momentum: 0.8 });
        layer.build(shape);
        layer.setWeights([
          tf.tensor(values(c, 31), [c]),
          tf.tensor(values(c, 32), [c]),
          tf.tensor(values(c, 33, 0.5), [c]),
          tf.tensor(
            values(c, 34, 0.5).map((v) => v + 1),
            [c],
          ),
        ]);
        const x = tf.variable(
          tf.tensor(
            values(n, 35, 3).map((v, i) => v + (i % c)),
            shape,
          ),
          true,
        );
        const w = tf.tensor(values(n, 36), shape);
        let y: tf.Tensor | undefined;
        const vars = [x, ...layer.trainableWeights.map((v) => v.read() as tf.Variable)];
        const { grads } = tf.variableGrads(() => {
          y = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
          return tf.sum(tf.mul(y, w)) as tf.Scalar;
        }, vars);
        const out = kept([y!, ...vars.map((v) => grads[v.name]!), ...layer.nonTrainableWeights.map((v) => v.read())]);
        for (const v of layer.weights) v.dispose();
        x.dispose();
        y!.dispose();
        return out;
      };
      const { gpu, cpu } = await onBoth(f);
      expect(gpu).to.have.length(6);
      expect(maxRelDiff(gpu, cpu)).to.be.below(1e-4);
    });
  }

  it('global max pooling on an odd grid and its gradient', async () => {
    const f = () => {
      const x = tf.tensor(values(2 * 5 * 7 * 9, 37), [2, 5, 7, 9]);
      const pool = tf.layers.globalMaxPooling2d({});
      const w = tf.tensor(values(2 * 9, 38), [2, 9]);
      const g = (t: tf.Tensor) => tf.sum(tf.mul(pool.apply(t) as tf.Tensor, w));
      return [pool.apply(x) as tf.Tensor, tf.grad(g)(x)];
    };
    const { gpu, cpu } = await onBoth(f);
    expect(maxRelDiff(gpu, cpu)).to.be.below(1e-6);
  });

  it("CrossEntropy on probabilities (ResNet9's softmax output, sparse labels) and its gradient", async () => {
    const f = () => {
      const logits = tf.tensor(values(7 * 10, 39, 3), [7, 10]);
      const ce = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'ce' });
      // Fresh labels per call, as each step uploads its batch: CrossEntropy checks their range on the host.
      const loss = (t: tf.Tensor) => ce.forward([tf.softmax(t), tf.tensor1d([3, 9, 0, 4, 4, 1, 7], 'int32')]) as tf.Scalar;
      return [loss(logits), tf.grad(loss)(logits)];
    };
    const { gpu, cpu } = await onBoth(f);
    expect(maxRelDiff(gpu, cpu)).to.be.below(1e-5);
  });

  it('BertForMaskedLM: masked-position loss and the gradient of every parameter (tied decoder: two uses of E)', async () => {
    const f = () => {
      const mlm = bertForMaskedLM({
        vocabSize: 13,
        hiddenSize: 10,
        numHiddenLayers: 1,
        numAttentionHeads: 2,
        intermediateSize: 14,
        maxPositionEmbeddings: 9,
        hiddenDropoutProb: 0,
        attentionProbsDropoutProb: 0,
        seed: 5,
        name: 'gpuMlm',
      });
      const ids = tf.tensor2d([3, 4, 12, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 4, 5, 5, 5, 6, 1, 2, 0], [3, 7], 'int32');
      const mask = tf.tensor2d([1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], [3, 7], 'int32');
      const positions = tf.tensor2d([1, 3, 0, 2, 6, 2, 4, 5, 5], [3, 3], 'int32');
      const labels = tf.tensor1d([7, 2, -100, 11, 0, 3, 9, 12, -100], 'int32');
      const vars = mlm.trainableWeights();
      const { value, grads } = tf.variableGrads(() => {
        const logits = mlm.call([ids, mask, positions], true);
        return sparseSoftmaxCrossEntropy(tf.reshape(logits, [9, 13]) as tf.Tensor2D, labels).sum() as tf.Scalar;
      }, vars);
      const out = kept([value, ...vars.map((v) => grads[v.name]!)]);
      mlm.dispose();
      return out;
    };
    const { gpu, cpu } = await onBoth(f);
    expect(gpu.length).to.be.above(20);
    expect(maxRelDiff(gpu, cpu)).to.be.below(1e-4);
  });

  it('ResNet9 (width 4, 16×16×3, batch 2): training-mode output and the gradient of every trainable weight', async () => {
    const f = () => {
      const model = resnet9({ inputShape: [16, 16, 3], classes: 5, width: 4, seed: 6 });
      const x = tf.tensor(values(2 * 16 * 16 * 3, 40), [2, 16, 16, 3]);
      const w = tf.tensor(values(2 * 5, 41), [2, 5]);
      const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
      let y: tf.Tensor | undefined;
      const { grads } = tf.variableGrads(() => {
        y = tf.keep(model.apply(x, { training: true }) as tf.Tensor);
        return tf.sum(tf.mul(tf.log(y), w)) as tf.Scalar;
      }, vars);
      const out = kept([y!, ...vars.map((v) => grads[v.name]!)]);
      y!.dispose();
      model.dispose();
      return out;
    };
    const { gpu, cpu } = await onBoth(f);
    expect(gpu.length).to.be.above(20);
    expect(maxRelDiff(gpu, cpu)).to.be.below(1e-3);
  });
});
