import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { OpError } from '@fets/pipeline';
import { FocalLoss, L1Loss, L2Regularization, MeanSquaredError, build, type LossOp } from '@fets/network';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function run(op: LossOp, p: number[][], y: number[][]): number[] {
  return tf.tidy(() => Array.from((op.forward([tf.tensor(p), tf.tensor(y)]) as tf.Tensor).dataSync()));
}

const P = [
  [0.5, -1.2, 3.0],
  [2.0, 0.1, -0.4],
];
const Y = [
  [0.0, -1.0, 1.0],
  [2.5, 0.1, 0.6],
];
const perSample = (f: (d: number) => number) => P.map((row, i) => mean(row.map((p, j) => f(p - Y[i]![j]!))));

describe('network/losses: regression and focal', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('MeanSquaredError: mean over the last axis, then over the batch', () => {
    const op = new MeanSquaredError({ inputs: ['p', 'y'], outputs: 'l' });
    expect(run(op, P, Y)[0]).to.be.closeTo(mean(perSample((d) => d * d)), 1e-6);
    const per = new MeanSquaredError({ inputs: ['p', 'y'], outputs: 'l', averageLoss: false });
    run(per, P, Y).forEach((v, i) => expect(v).to.be.closeTo(perSample((d) => d * d)[i]!, 1e-6));
  });

  it('MeanSquaredError: [B] vs [B, 1] are interchangeable; other mismatches name keys and shapes', () => {
    const op = new MeanSquaredError({ inputs: ['pred', 'target'], outputs: 'l' });
    const v = tf.tidy(() => (op.forward([tf.tensor([[1], [2]]), tf.tensor([0, 4])]) as tf.Tensor).dataSync()[0]);
    expect(v).to.be.closeTo((1 + 4) / 2, 1e-6);
    expect(() => tf.tidy(() => op.forward([tf.zeros([2, 3]), tf.zeros([2, 4])]))).to.throw(
      OpError,
      /MeanSquaredError: prediction "pred" has shape \[2, 3\] and label "target" has shape \[2, 4\]/,
    );
  });

  it('L1Loss: L1, Smooth (beta) and Huber (delta) closed forms', () => {
    const l1 = new L1Loss({ inputs: ['p', 'y'], outputs: 'l' });
    expect(run(l1, P, Y)[0]).to.be.closeTo(mean(perSample(Math.abs)), 1e-6);
    const beta = 0.5;
    const smooth = new L1Loss({ inputs: ['p', 'y'], outputs: 'l', loss: 'Smooth', beta });
    const sl1 = (d: number) => (Math.abs(d) < beta ? (0.5 * d * d) / beta : Math.abs(d) - 0.5 * beta);
    expect(run(smooth, P, Y)[0]).to.be.closeTo(mean(perSample(sl1)), 1e-6);
    const delta = 0.8;
    const huber = new L1Loss({ inputs: ['p', 'y'], outputs: 'l', loss: 'Huber', delta });
    const hub = (d: number) => (Math.abs(d) <= delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta));
    expect(run(huber, P, Y)[0]).to.be.closeTo(mean(perSample(hub)), 1e-6);
  });

  it('property: Huber(δ) = δ·SmoothL1(β=δ)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.float({ min: Math.fround(0.1), max: 3, noNaN: true }),
        (vals, d) => {
          const p = [vals.slice(0, 3)];
          const y = [vals.slice(3)];
          const h = run(new L1Loss({ inputs: ['p', 'y'], outputs: 'l', loss: 'Huber', delta: d }), p, y)[0]!;
          const s = run(new L1Loss({ inputs: ['p', 'y'], outputs: 'l', loss: 'Smooth', beta: d }), p, y)[0]!;
          expect(h).to.be.closeTo(d * s, 1e-4);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('FocalLoss: closed form (sum over elements per sample, mean over batch), probabilities and logits', () => {
    const z = [
      [0.3, -2.0, 1.5],
      [-0.5, 0.8, 0.0],
    ];
    const y = [
      [1, 0, 1],
      [0, 0, 1],
    ];
    const gamma = 2;
    const alpha = 0.25;
    const fl = (x: number, t: number) => {
      const p = sigmoid(x);
      const pt = t ? p : 1 - p;
      const at = t ? alpha : 1 - alpha;
      return -at * (1 - pt) ** gamma * Math.log(pt);
    };
    const want = mean(z.map((row, i) => row.reduce((a, x, j) => a + fl(x, y[i]![j]!), 0)));
    const logits = new FocalLoss({ inputs: ['p', 'y'], outputs: 'l', gamma, alpha, fromLogits: true });
    expect(run(logits, z, y)[0]).to.be.closeTo(want, 1e-5);
    const probs = new FocalLoss({ inputs: ['p', 'y'], outputs: 'l', gamma, alpha });
    expect(
      run(
        probs,
        z.map((r) => r.map(sigmoid)),
        y,
      )[0],
    ).to.be.closeTo(want, 1e-5);
    const bce = (x: number, t: number) => -(t * Math.log(sigmoid(x)) + (1 - t) * Math.log(1 - sigmoid(x)));
    const plain = new FocalLoss({ inputs: ['p', 'y'], outputs: 'l', gamma: 0, alpha: null, fromLogits: true, shapeReduction: 'mean' });
    expect(run(plain, z, y)[0]).to.be.closeTo(mean(z.flatMap((row, i) => row.map((x, j) => bce(x, y[i]![j]!)))), 1e-5);
  });

  it('L2Regularization adds beta·Σ kernel² (biases excluded) to the loss', () => {
    const model = build(() => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], biasInitializer: 'ones' })] }), 'sgd');
    const kernel = model.getWeights()[0]!.dataSync();
    const sq = Array.from(kernel).reduce((a, w) => a + w * w, 0);
    const op = new L2Regularization({ inputs: 'ce', outputs: 'loss', model, beta: 0.1 });
    const v = tf.tidy(() => (op.forward(tf.scalar(1.5)) as tf.Tensor).dataSync()[0]!);
    expect(v).to.be.closeTo(1.5 + 0.1 * sq, 1e-5);
    model.dispose();
  });
});
