/**
 * Every kernel fets registers for WebGPU against the cpu backend's composition of tfjs ops (values and gradients,
 * odd sizes), and the package's webgpu kernels fets trains with (gather and its gradient, batched products,
 * convolutions and their gradients, pooling, batch normalisation, the fused cross-entropy) the same way.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { AdamW, dropoutSeeded, geluErf, layerNormLastAxis, sparseSoftmaxCrossEntropy } from '@fets/network';
import { ADAMW_KERNEL, DROPOUT_MASK_KERNEL, GELU_KERNEL, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '@fets/network/kernels';
import { maxRelDiff, onBoth, values } from './compare.js';

const TOL = 2e-5;

/** Value and gradients (w.r.t. every float input) of `f`, with a fixed random cotangent so no gradient is trivial. */
function withGrads(inputs: () => tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor, seed: number): () => tf.Tensor[] {
  return () => {
    const xs = inputs();
    const y = f(...xs);
    const w = tf.tensor(values(y.size, seed), y.shape);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w)))(xs);
    return [y, ...grads];
  };
}

describe('webgpu: fets kernels against the cpu backend', () => {
  it('registers each fets kernel for webgpu', () => {
    for (const k of [GELU_KERNEL, LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL, ADAMW_KERNEL, DROPOUT_MASK_KERNEL]) {
      expect(tf.getKernel(k, 'webgpu'), k).to.not.equal(undefined);
    }
  });

  for (const shape of [[3, 37], [2, 5, 67], [1001]]) {
    it(`FetsGelu: erf GELU and its gradient, shape [${shape}]`, async () => {
      const n = shape.reduce((p, d) => p * d, 1);
      const f = withGrads(
        () => [tf.tensor(values(n, 1, 4), shape)],
        (x) => geluErf(x),
        2,
      );
      const { gpu, cpu } = await onBoth(f);
      expect(maxRelDiff(gpu, cpu)).to.be.below(TOL);
    });
  }

  for (const shape of [
    [5, 67],
    [2, 3, 33],
    [7, 130],
    [4, 1],
  ]) {
    it(`FetsLayerNorm/FetsLayerNormGrad: y, dx, dγ, dβ, shape [${shape}]`, async () => {
      const h = shape.at(-1)!;
      const n = shape.reduce((p, d) => p * d, 1);
      const f = withGrads(
        () => [tf.tensor(values(n, 3, 3), shape), tf.tensor(values(h, 4), [h]), tf.tensor(values(h, 5), [h])],
        (x, g, b) => layerNormLastAxis(tf.add(x, 0.5), g!, b!, 1e-5),
        6,
      );
      const { gpu, cpu } = await onBoth(f);
      expect(maxRelDiff(gpu, cpu)).to.be.below(h === 1 ? 1e-3 : 1e-4);
    });
  }

  it('FetsAdamW: three steps of fets AdamW (decayed and excluded variables) equal the cpu composition', async () => {
    const step = () => {
      const w = tf.variable(tf.tensor(values(3 * 41, 7), [3, 41]), true, 'gpuTest/dense/kernel');
      const b = tf.variable(tf.tensor(values(41, 8), [41]), true, 'gpuTest/dense/bias');
      const opt = new AdamW({ learningRate: 0.01, weightDecay: 0.1 });
      for (let t = 0; t < 3; t++) {
        opt.applyGradients({
          [w.name]: tf.tensor(values(3 * 41, 10 + t), [3, 41]),
          [b.name]: tf.tensor(values(41, 20 + t), [41]),
        });
      }
      const out = [w.clone(), b.clone()];
      opt.dispose();
      w.dispose();
      b.dispose();
      return out;
    };
    const { gpu, cpu } = await onBoth(step);
    expect(maxRelDiff(gpu, cpu)).to.be.below(1e-5);
  });

  for (const [shape, rate, seed] of [
    [[3, 1001], 0.3, 42],
    [[257], 0.1, 0],
    [[2, 3, 5], 0.5, 123456],
    [[1], 0.9, 7],
    [[3, 175001], 0.1, 99],
  ] as [number[], number, number][]) {
    it(`FetsDropoutMask: tf.dropout's mask on the cpu backend bit for bit (the same Alea stream), [${shape}] rate ${rate} seed ${seed}`, async () => {
      const n = shape.reduce((p, d) => p * d, 1);
      const x = () =>
        tf.tensor(
          values(n, 9, 1).map((v) => v + 2),
          shape,
        );
      const { gpu, cpu } = await onBoth(() => {
        const on = tf.getKernel(DROPOUT_MASK_KERNEL, tf.getBackend()) !== undefined;
        // webgpu: fets' kernel (dropoutSeeded); cpu: tfjs' own tf.dropout (no fets kernel there).
        expect(on).to.equal(tf.getBackend() === 'webgpu');
        return [on ? dropoutSeeded(x(), rate, seed) : tf.dropout(x(), rate, undefined, seed)];
      });
      expect(Buffer.from(gpu[0]!.buffer).equals(Buffer.from(cpu[0]!.buffer))).to.equal(true);
    });
  }

  it('FetsDropoutMask: gradient = mask, a new seed a new mask', async () => {
    const x = tf.tensor(values(3 * 101, 9, 1), [3, 101]);
    const a = await dropoutSeeded(x, 0.3, 42).data();
    const c = await dropoutSeeded(x, 0.3, 43).data();
    expect(Array.from(a)).to.not.deep.equal(Array.from(c));
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(dropoutSeeded(t, 0.3, 42)))([x]);
    const mask = await tf.dropout(tf.onesLike(x), 0.3, undefined, 42).data();
    expect(Array.from(await g!.data())).to.deep.equal(Array.from(mask));
    tf.dispose([x, g!]);
  });
});

describe('webgpu: the package kernels fets trains with, against the cpu backend', () => {
  for (const n of [2, 7, 8, 9, 23]) {
    it(`AddN of ${n} tensors (gradients of a tensor used n times; the package's kernel binds at most 7 inputs)`, async () => {
      const f = () => [tf.addN(Array.from({ length: n }, (_, i) => tf.tensor(values(37, 30 + i), [37])))];
      const { gpu, cpu } = await onBoth(f);
      expect(maxRelDiff(gpu, cpu)).to.be.below(1e-6);
    });
  }

  it('embedding gather with repeated ids and its gradient (UnsortedSegmentSum)', async () => {
    const ids = [0, 3, 3, 12, 5, 0, 7, 7, 7, 1, 12, 2, 9, 4, 11, 3, 6, 8, 10, 0, 5, 5, 2, 1, 9, 12, 3, 4, 6];
    const f = withGrads(
      () => [tf.tensor(values(13 * 7, 11), [13, 7])],
      (e) => tf.gather(e, tf.tensor1d(ids, 'int32')),
      12,
    );
    const { gpu, cpu } = await onBoth(f);
    expect(maxRelDiff(gpu, cpu)).to.be.below(TOL);
  });

  it('masked attention: batched products with transposes, additive mask, softmax, and their gradients', async () => {
    const f = withGrads(
      () => [tf.tensor(values(2 * 3 * 5 * 7, 13), [2, 3, 5, 7]), tf.tensor(values(2 * 3 * 5 * 7, 14), [2, 3, 5, 7])],
      (q, k) => {
        const mask = tf.tensor([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], [2, 1, 1, 5]);
        const s = tf.add(tf.mul(tf.matMul(q, k!, false, true), 1 / Math.sqrt(7)), tf.mul(tf.sub(1, mask), -1e4));
        return tf.matMul(tf.softmax(s), k!);
      },
      15,
    );
    const { gpu, cpu } = await onBoth(f);
    expect(maxRelDiff(gpu, cpu)).to.be.below(1e-4);
  });

  it('dense layer products (x·Wᵀ, dyᵀ·x) at odd sizes', async () => {
    const f = withGrads(
      () => [tf.tensor(values(9 * 33, 16), [9, 33]), tf.tensor(values(17 * 33, 17), [17, 33])],
      (x, w) => tf.matMul(x, w!, false, true),
      18,
    );
    const { gpu, cpu } = await onBoth(f);
    expect(maxRelDiff(gpu, cpu)).to.be.below(1e-4);
  });

  it('the fused sparse cross-entropy (ignored labels) and its gradient', async () => {
    const labels = [3, -100, 0, 4, 4, 1, -100, 2, 0, 3, 1];
    const f = withGrads(
      () => [tf.tensor(values(11 * 5, 19, 3), [11, 5])],
      (x) => sparseSoftmaxCrossEntropy(x as tf.Tensor2D, tf.tensor1d(labels, 'int32')),
      20,
    );
    const { gpu, cpu } = await onBoth(f);
    expect(maxRelDiff(gpu, cpu)).to.be.below(1e-5);
  });

  for (const [k, pad, name] of [
    [3, 'valid', 'LeNet'],
    [3, 'same', 'ResNet9'],
    [5, 'valid', '5×5'],
  ] as const) {
    it(`conv2d ${k}×${k} ${pad} (${name}) with bias and ReLU, input and filter gradients`, async () => {
      const f = withGrads(
        () => [tf.tensor(values(2 * 9 * 9 * 3, 21), [2, 9, 9, 3]), tf.tensor(values(k * k * 3 * 5, 22), [k, k, 3, 5])],
        (x, w) => tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad), 0.1)),
        23,
      );
      const { gpu, cpu } = await onBoth(f);
      expect(maxRelDiff(gpu, cpu)).to.be.below(1e-4);
    });
  }

  it('max pooling 2×2 on an odd grid and its gradient (MaxPoolGrad)', async () => {
    const f = withGrads(
      () => [tf.tensor(values(2 * 7 * 9 * 3, 24), [2, 7, 9, 3])],
      (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'),
      25,
    );
    const { gpu, cpu } = await onBoth(f);
    expect(maxRelDiff(gpu, cpu)).to.be.below(TOL);
  });

  it('batch normalisation in training mode (batch moments) and leaky ReLU, with gradients', async () => {
    const f = withGrads(
      () => [tf.tensor(values(3 * 5 * 5 * 6, 26, 2), [3, 5, 5, 6]), tf.tensor(values(6, 27), [6]), tf.tensor(values(6, 28), [6])],
      (x, g, b) => {
        const { mean, variance } = tf.moments(x!, [0, 1, 2]);
        return tf.leakyRelu(tf.batchNorm(x!, mean, variance, b, g, 1e-3), 0.1);
      },
      29,
    );
    const { gpu, cpu } = await onBoth(f);
    expect(maxRelDiff(gpu, cpu)).to.be.below(1e-4);
  });
});
