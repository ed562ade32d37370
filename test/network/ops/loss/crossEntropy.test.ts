import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { OpError, ConfigError } from '@fets/pipeline';
import { CrossEntropy, sparseSoftmaxCrossEntropy } from '@fets/network';

const softmax = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Runs a loss op on plain arrays and returns its value(s). */
function run(op: CrossEntropy, pred: number[] | number[][] | number[][][], truth: unknown, truthDtype: 'float32' | 'int32' = 'float32') {
  return tf.tidy(() => {
    const p = tf.tensor(pred as number[][]);
    const t = tf.tensor(truth as number[][], undefined, truthDtype);
    return Array.from((op.forward([p, t]) as tf.Tensor).dataSync());
  });
}

describe('network/losses: CrossEntropy', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  const logits = [
    [1.2, -0.3, 0.5],
    [-1.0, 2.0, 0.1],
    [0.3, 0.3, -2.2],
    [0.0, -0.7, 1.9],
  ];
  const labels = [0, 1, 2, 2];
  const oneHot = labels.map((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0)));
  const probs = logits.map(softmax);

  it('sparse form from logits equals -log softmax at the label (auto-detected)', () => {
    const want = mean(logits.map((row, i) => -Math.log(softmax(row)[labels[i]!]!)));
    const op = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true });
    expect(tf.tidy(() => op.detectForm(tf.zeros([4, 3]), tf.zeros([4])))).to.equal('sparse');
    expect(run(op, logits, labels, 'int32')[0]).to.be.closeTo(want, 1e-5);
  });

  it('categorical form from probabilities and from logits', () => {
    const want = mean(probs.map((row, i) => -Math.log(row[labels[i]!]!)));
    const fromProbs = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l' });
    expect(tf.tidy(() => fromProbs.detectForm(tf.zeros([4, 3]), tf.zeros([4, 3])))).to.equal('categorical');
    expect(run(fromProbs, probs, oneHot)[0]).to.be.closeTo(want, 1e-5);
    const fromLogits = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true });
    expect(run(fromLogits, logits, oneHot)[0]).to.be.closeTo(want, 1e-5);
  });

  it('categorical with soft targets', () => {
    const soft = [
      [0.2, 0.5, 0.3],
      [0.1, 0.1, 0.8],
      [1, 0, 0],
      [0.3, 0.3, 0.4],
    ];
    const want = mean(logits.map((row, i) => -softmax(row).reduce((a, p, c) => a + soft[i]![c]! * Math.log(p), 0)));
    const op = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true });
    expect(run(op, logits, soft)[0]).to.be.closeTo(want, 1e-5);
  });

  it('binary form from probabilities and from logits, [B,1] and [B]', () => {
    const z = [0.7, -1.3, 2.2, -0.1, 0.0];
    const y = [1, 0, 0, 1, 1];
    const want = mean(z.map((x, i) => -(y[i]! * Math.log(sigmoid(x)) + (1 - y[i]!) * Math.log(1 - sigmoid(x)))));
    const fromLogits = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true });
    expect(tf.tidy(() => fromLogits.detectForm(tf.zeros([5, 1]), tf.zeros([5])))).to.equal('binary');
    expect(
      run(
        fromLogits,
        z.map((x) => [x]),
        y,
      )[0],
    ).to.be.closeTo(want, 1e-5);
    expect(run(fromLogits, z, y)[0]).to.be.closeTo(want, 1e-5);
    const fromProbs = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l' });
    expect(
      run(
        fromProbs,
        z.map((x) => [sigmoid(x)]),
        y.map((v) => [v]),
      )[0],
    ).to.be.closeTo(want, 1e-5);
  });

  it('binary from logits stays finite for large logits', () => {
    const op = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true });
    const v = run(op, [[80], [-80]], [0, 1])[0]!;
    expect(v).to.be.closeTo(80, 1e-3);
  });

  it('class weights multiply each sample loss by its true class weight; the mean stays over samples (FE)', () => {
    const cw = { 0: 2, 2: 0.5 };
    const w = (l: number) => (l === 0 ? 2 : l === 2 ? 0.5 : 1);
    const want = mean(logits.map((row, i) => -Math.log(softmax(row)[labels[i]!]!) * w(labels[i]!)));
    const sparse = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, classWeights: cw });
    expect(run(sparse, logits, labels, 'int32')[0]).to.be.closeTo(want, 1e-5);
    const cat = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', classWeights: cw });
    expect(run(cat, probs, oneHot)[0]).to.be.closeTo(want, 1e-5);
    const z = [0.7, -1.3, 2.2];
    const y = [1, 0, 1];
    const bw = { 0: 3, 1: 0.25 };
    const wantB = mean(z.map((x, i) => -(y[i]! * Math.log(sigmoid(x)) + (1 - y[i]!) * Math.log(1 - sigmoid(x))) * (y[i] ? 0.25 : 3)));
    const bin = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, classWeights: bw });
    expect(
      run(
        bin,
        z.map((x) => [x]),
        y.map((v) => [v]),
      )[0],
    ).to.be.closeTo(wantB, 1e-5);
  });

  it('averageLoss: false keeps one value per sample', () => {
    const op = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, averageLoss: false });
    const got = run(op, logits, labels, 'int32');
    expect(got).to.have.length(4);
    got.forEach((v, i) => expect(v).to.be.closeTo(-Math.log(softmax(logits[i]!)[labels[i]!]!), 1e-5));
  });

  it('token classification: [B, L, C] with labels [B, L] and ignoreIndex -100', () => {
    const seq = [logits.slice(0, 2), logits.slice(2, 4)]; // [2, 2, 3]
    const lab = [
      [0, -100],
      [2, 2],
    ];
    const kept = [
      [0, 0],
      [1, 0],
      [1, 1],
    ];
    const want = mean(kept.map(([b, l]) => -Math.log(softmax(seq[b]![l]!)[lab[b]![l]!]!)));
    const op = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, ignoreIndex: -100 });
    expect(run(op, seq, lab, 'int32')[0]).to.be.closeTo(want, 1e-5);
    const perPos = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, ignoreIndex: -100, averageLoss: false });
    const got = tf.tidy(() => perPos.forward([tf.tensor(seq), tf.tensor(lab, undefined, 'int32')]) as tf.Tensor);
    expect(got.shape).to.deep.equal([2, 2]);
    expect(got.dataSync()[1]).to.equal(0);
    got.dispose();
  });

  it('denominator: the masked sum over a fixed count, so each token weighs the same in any batch', () => {
    const seq = [logits.slice(0, 2), logits.slice(2, 4)]; // [2, 2, 3]
    const lab = [
      [0, -100],
      [2, 2],
    ];
    const kept = [
      [0, 0],
      [1, 0],
      [1, 1],
    ];
    const sum = kept.reduce((a, [b, l]) => a - Math.log(softmax(seq[b]![l]!)[lab[b]![l]!]!), 0);
    const op = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, ignoreIndex: -100, denominator: 4 });
    expect(run(op, seq, lab, 'int32')[0]).to.be.closeTo(sum / 4, 1e-5);
    // Without a mask: the sum over every sample divided by the count.
    const plain = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, denominator: 8 });
    const want = labels.reduce((a, y, i) => a - Math.log(softmax(logits[i]!)[y]!), 0) / 8;
    expect(run(plain, logits, labels, 'int32')[0]).to.be.closeTo(want, 1e-5);
    expect(() => new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', denominator: 0 })).to.throw(/CrossEntropy: denominator/);
  });

  it('ignoreIndex on every position gives 0, not NaN', () => {
    const op = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, ignoreIndex: -100 });
    expect(run(op, logits, [-100, -100, -100, -100], 'int32')[0]).to.equal(0);
  });

  it('label smoothing: targets (1-ε)·y + ε/C', () => {
    const eps = 0.1;
    const want = mean(
      logits.map((row, i) => {
        const p = softmax(row);
        return -p.reduce((a, pc, c) => a + ((c === labels[i] ? 1 - eps : 0) + eps / 3) * Math.log(pc), 0);
      }),
    );
    const sparse = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, labelSmoothing: eps });
    expect(run(sparse, logits, labels, 'int32')[0]).to.be.closeTo(want, 1e-5);
    const cat = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, labelSmoothing: eps });
    expect(run(cat, logits, oneHot)[0]).to.be.closeTo(want, 1e-5);
  });

  it('property: sparse labels and their one-hot give the same loss', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 30, maxLength: 30 }),
        fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
        (b, c, vals, labs) => {
          const lg = Array.from({ length: b }, (_, i) => Array.from({ length: c }, (_, j) => vals[i * c + j]!));
          const lb = labs.slice(0, b).map((l) => l % c);
          const oh = lb.map((l) => Array.from({ length: c }, (_, j) => (j === l ? 1 : 0)));
          const op = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true });
          const a = run(op, lg, lb, 'int32')[0]!;
          const bb = run(op, lg, oh)[0]!;
          expect(a).to.be.closeTo(bb, 1e-4);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('property: the fused sparse path has the gradient of the composed one-hot loss, ignored rows included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 40 }),
        fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 240, maxLength: 240 }),
        fc.array(fc.integer({ min: -1, max: 39 }), { minLength: 6, maxLength: 6 }),
        (b, c, vals, labs) => {
          const lg = tf.tensor2d(
            Array.from({ length: b * c }, (_, i) => vals[i]!),
            [b, c],
          );
          // -1 stands for an ignored position (ignoreIndex -100); every other label is taken modulo c.
          const lb = labs.slice(0, b).map((l) => (l < 0 ? -100 : l % c));
          const y = tf.tensor1d(lb, 'int32');
          const keep = tf.tensor1d(lb.map((l) => (l < 0 ? 0 : 1)));
          const oh = tf.tensor2d(
            lb.flatMap((l) => Array.from({ length: c }, (_, j) => (j === l ? 1 : 0))),
            [b, c],
          );
          const op = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, ignoreIndex: -100 });
          const fused = tf.grad((x: tf.Tensor) => op.forward([x, y]) as tf.Scalar)(lg);
          // The composed reference: masked mean of -Σ onehot · logSoftmax.
          const composed = tf.grad(
            (x: tf.Tensor) =>
              tf.div(tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(oh, tf.logSoftmax(x)), -1)), keep)), tf.maximum(tf.sum(keep), 1)) as tf.Scalar,
          )(lg);
          const lossFused = (op.forward([lg, y]) as tf.Tensor).dataSync()[0]!;
          const lossComposed = tf.tidy(
            () =>
              tf.div(tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(oh, tf.logSoftmax(lg)), -1)), keep)), tf.maximum(tf.sum(keep), 1)).dataSync()[0]!,
          );
          expect(lossFused).to.be.closeTo(lossComposed, 1e-4 * Math.max(1, Math.abs(lossComposed)));
          const g1 = fused.dataSync();
          const g2 = composed.dataSync();
          for (let i = 0; i < g1.length; i++) expect(g1[i]).to.be.closeTo(g2[i]!, 1e-5);
          tf.dispose([lg, y, keep, oh, fused, composed]);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('sparseSoftmaxCrossEntropy alone: per-row values, softmax − onehot gradients, zero loss and gradient for out-of-range labels', () => {
    const lab = [0, -100, 2, 3]; // 3 is outside the 3 classes
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(lab, 'int32');
    const values = Array.from(sparseSoftmaxCrossEntropy(x, y).dataSync());
    const grad = tf
      .grad((t: tf.Tensor) => tf.sum(sparseSoftmaxCrossEntropy(t as tf.Tensor2D, y)))(x)
      .arraySync() as number[][];
    logits.forEach((row, i) => {
      const p = softmax(row);
      const ok = lab[i]! >= 0 && lab[i]! < 3;
      expect(values[i]).to.be.closeTo(ok ? -Math.log(p[lab[i]!]!) : 0, 1e-5);
      row.forEach((_, j) => expect(grad[i]![j]).to.be.closeTo(ok ? p[j]! - (j === lab[i] ? 1 : 0) : 0, 1e-6));
    });
    tf.dispose([x, y]);
  });

  it('shape mismatch names the op, both keys and both shapes', () => {
    const op = new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'l' });
    const err = (() => {
      try {
        tf.tidy(() => op.forward([tf.zeros([4, 3]), tf.zeros([4, 5])]));
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).to.be.instanceOf(OpError);
    expect(err!.message).to.match(/^CrossEntropy: /);
    expect(err!.message).to.include('"yPred"').and.include('[4, 3]').and.include('"y"').and.include('[4, 5]');
    expect(() => tf.tidy(() => op.forward([tf.zeros([2, 6, 3]), tf.zeros([2, 5])]))).to.throw(OpError, /\[2, 6, 3\].*\[2, 5\]/);
  });

  it('sparse labels outside the classes are reported', () => {
    const op = new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'l', fromLogits: true });
    expect(() => run(op, logits, [0, 1, 3, 0], 'int32')).to.throw(OpError, /1 label is outside the 3 classes of prediction .*max label 3/);
  });

  it('rejects bad options at construction', () => {
    expect(() => new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', form: 'multi' as never })).to.throw(ConfigError, /form/);
    expect(() => new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogit: true } as never)).to.throw(
      ConfigError,
      /did you mean "fromLogits"/,
    );
    expect(() => new CrossEntropy({ inputs: 'p', outputs: 'l' })).to.throw(ConfigError, /\[yPred, yTrue\]/);
  });
});
