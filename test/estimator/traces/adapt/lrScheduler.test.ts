import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { Dataset, GeneratorDataset, Pipeline } from '@fets/pipeline';
import { MeanSquaredError, ModelOp, Network, UpdateOp, build, getLearningRate, optimizerLearningRate, getOptimizer } from '@fets/network';
import { Estimator, LRScheduler, ReduceLROnPlateau, Trace, linearWarmupDecay } from '@fets/estimator';
import { Range, ScriptedNetwork, memoryLogger } from '../fakes.js';

/** Four regression samples, x ∈ R², y = 0.3·x0 − 0.7·x1 + 0.25. */
class Points extends Dataset {
  readonly xs = [
    [0.5, -1.25],
    [1.5, 0.75],
    [-0.5, 2.5],
    [2.25, -0.5],
  ];
  get length() {
    return 4;
  }
  get(i: number) {
    const [a, b] = this.xs[i]!;
    return { x: [a!, b!], y: [0.3 * a! - 0.7 * b! + 0.25] };
  }
}

const linear = (seed: number) =>
  tf.sequential({
    layers: [
      tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: tf.initializers.randomNormal({ seed }), biasInitializer: 'zeros' }),
    ],
  });

describe('estimator/traces/adapt LRScheduler and ReduceLROnPlateau', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('sets a real SGD optimizer’s rate before every step: weights equal a hand loop with the same rates', async () => {
    const model = build(
      () => linear(3),
      () => tf.train.sgd(0.5),
      { modelName: 'lin' },
    );
    const ref = linear(3);
    ref.setWeights(model.getWeights());
    const lrFn = linearWarmupDecay({ warmup: 2, peak: 0.1 }); // total steps from the Estimator: 2 epochs × 2 steps
    const seen: number[] = [];
    class Probe extends Trace {
      override onBatchEnd() {
        seen.push(getLearningRate(model));
      }
    }
    const network = new Network([
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new MeanSquaredError({ inputs: ['yPred', 'y'], outputs: 'mse' }),
      new UpdateOp({ model, lossName: 'mse' }),
    ]);
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Points(), batchSize: 2, shuffle: false }),
      network,
      epochs: 2,
      trainStepsPerEpoch: 2,
      logSteps: 1,
      traces: [new LRScheduler({ model, lrFn }), new Probe({ mode: 'train' }), memoryLogger()],
    });
    const summary = await est.fit({ warmup: false });
    const expected = [1, 2, 3, 4].map((s) => lrFn(s, { totalSteps: 4 }));
    expect(expected.map((v) => Number(v.toFixed(6)))).to.deep.equal([0, 0.05, 0.1, 0.05]);
    expect(seen).to.deep.equal(expected);
    expect([...summary.history.train!.lin_lr!.values()]).to.deep.equal(expected);

    const data = new Points();
    for (let s = 1; s <= 4; s++) {
      const idx = s % 2 === 1 ? [0, 1] : [2, 3];
      const x = tf.tensor2d(idx.map((i) => data.get(i).x));
      const y = tf.tensor2d(idx.map((i) => data.get(i).y));
      const opt = tf.train.sgd(expected[s - 1]!);
      tf.dispose(opt.minimize(() => tf.losses.meanSquaredError(y, ref.apply(x) as tf.Tensor) as tf.Scalar, true) ?? []);
      opt.dispose();
      tf.dispose([x, y]);
    }
    const a = model.getWeights().map((w) => Array.from(w.dataSync()));
    const b = ref.getWeights().map((w) => Array.from(w.dataSync()));
    a.flat().forEach((v, i) => expect(v).to.be.closeTo(b.flat()[i]!, 1e-6));
    // The rate really mattered: the weights moved from their start.
    expect(Math.abs(a[1]![0]!)).to.be.greaterThan(1e-3);
  });

  it("by: 'epoch' calls lrFn with the epoch before each training epoch", async () => {
    const model = build(() => linear(4), 'adam', { modelName: 'm2' });
    const rates: number[] = [];
    class Probe extends Trace {
      override onEpochEnd() {
        rates.push(optimizerLearningRate(getOptimizer(model)));
      }
    }
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(4), batchSize: 2 }),
      network: new ScriptedNetwork(),
      epochs: 3,
      traces: [
        new LRScheduler({ model, lrFn: (epoch) => 1e-3 * 0.5 ** (epoch - 1), by: 'epoch' }),
        new Probe({ mode: 'train' }),
        memoryLogger(),
      ],
    });
    await est.fit({ warmup: false });
    expect(rates).to.deep.equal([1e-3, 5e-4, 2.5e-4]);
  });

  it('a schedule needing the run length gets it from the data (epochs × one pass over the train set)', async () => {
    const model = build(
      () => linear(5),
      () => tf.train.sgd(1e-3),
      { modelName: 'm4' },
    );
    const rates: number[] = [];
    class Probe extends Trace {
      override onBatchEnd() {
        rates.push(getLearningRate(model));
      }
    }
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(8), batchSize: 2 }),
      network: new ScriptedNetwork(),
      epochs: 2,
      traces: [
        new LRScheduler({ model, lrFn: linearWarmupDecay({ warmup: 0.25, peak: 1e-3 }) }),
        new Probe({ mode: 'train' }),
        memoryLogger(),
      ],
    });
    await est.fit({ warmup: false });
    // 8 steps in all (2 epochs × 4 batches): Hugging Face's linear schedule with 2 warm-up steps, step s = 0..7.
    const hf = Array.from({ length: 8 }, (_, s) => 1e-3 * (s < 2 ? s / 2 : Math.max(0, (8 - s) / (8 - 2))));
    expect(rates.length).to.equal(8);
    rates.forEach((r, i) => expect(r).to.be.closeTo(hf[i]!, 1e-12));
  });

  it('a schedule needing the run length fails in onBegin, before any step, when it is unknown', async () => {
    const model = build(() => linear(5), 'sgd', { modelName: 'm3' });
    const net = new ScriptedNetwork();
    const est = new Estimator({
      pipeline: new Pipeline({
        trainData: new GeneratorDataset(
          function* () {
            for (let i = 0; i < 4; i++) yield new Range(4).get(i);
          },
          { keys: Object.keys(new Range(4).get(0)) },
        ),
        batchSize: 2,
      }),
      network: net,
      epochs: 2,
      traces: [new LRScheduler({ model, lrFn: linearWarmupDecay({ warmup: 0.1, peak: 1e-3 }) }), memoryLogger()],
    });
    let err: unknown;
    await est.fit({ warmup: false }).catch((e) => (err = e));
    expect(String(err)).to.match(/LRScheduler: the schedule of model "m3" needs the run's total steps/);
    expect(net.trainSteps).to.equal(0);
  });

  it('ReduceLROnPlateau multiplies the rate by factor after patience bad epochs, floored at minLr', async () => {
    const model = build(
      () => linear(6),
      () => tf.train.sgd(0.1),
      { modelName: 'lin' },
    );
    const lines: string[] = [];
    const losses = [1, 2, 2, 2, 2, 2, 0.5, 2, 2];
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(2), evalData: new Range(2), batchSize: 2 }),
      network: new ScriptedNetwork({ evalLoss: (e) => losses[e - 1]! }),
      epochs: 9,
      traces: [new ReduceLROnPlateau({ model, patience: 2, factor: 0.1, minLr: 5e-4, write: (l) => lines.push(l) }), memoryLogger()],
    });
    const summary = await est.fit({ warmup: false });
    const logged = [...summary.history.eval!.lin_lr!.entries()];
    expect(logged).to.deep.equal([
      [3, Math.fround(0.01)],
      [5, Math.fround(Math.fround(0.01) * 0.1)],
      [9, 5e-4],
    ]);
    expect(getLearningRate(model)).to.equal(5e-4);
    expect(lines[0]).to.equal(`FastEstimator-ReduceLROnPlateau: learning rate reduced to ${Math.fround(0.01)}`);
    expect(() => new ReduceLROnPlateau({ model, factor: 2 })).to.throw(/ReduceLROnPlateau: factor/);
  });
});
