import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { lenet, resnet9 } from '@fets/network';

describe('network/architectures: LeNet and ResNet9 (FastEstimator’s)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('LeNet has Keras’ layer shapes and parameter count for MNIST (93,322) and for CIFAR-10 (122,570)', () => {
    const m = lenet({ seed: 1 });
    expect(m.layers.map((l) => (l.outputShape as number[]).slice(1))).to.deep.equal([
      [26, 26, 32],
      [13, 13, 32],
      [11, 11, 64],
      [5, 5, 64],
      [3, 3, 64],
      [576],
      [64],
      [10],
    ]);
    expect(m.countParams()).to.equal(93_322);
    m.dispose();
    // TensorFlow's own CNN tutorial builds this network for CIFAR-10 and prints 122,570.
    const c = lenet({ inputShape: [32, 32, 3] });
    expect(c.countParams()).to.equal(122_570);
    c.dispose();
  });

  it('ResNet9 has FastEstimator’s parameter count (6,579,850 at width 64) and probabilities out', () => {
    const m = resnet9({ seed: 2 });
    expect(m.countParams()).to.equal(6_579_850);
    const y = tf.tidy(() => m.predict(tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3)) as tf.Tensor);
    expect(y.shape).to.deep.equal([2, 10]);
    const rows = y.sum(1).dataSync();
    for (const r of rows) expect(r).to.be.closeTo(1, 1e-5);
    tf.dispose([y]);
    m.dispose();
  });

  it('a seed fixes the weights; without one two models differ', () => {
    const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    const [a, b, c] = [lenet({ seed: 5 }), lenet({ seed: 5 }), lenet()];
    expect(weights(a)).to.deep.equal(weights(b));
    expect(weights(a)[0]).to.not.deep.equal(weights(c)[0]);
    for (const m of [a, b, c]) m.dispose();
  });
});
