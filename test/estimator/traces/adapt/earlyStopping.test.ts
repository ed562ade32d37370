import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { Pipeline } from '@fets/pipeline';
import { functionModel } from '@fets/network';
import { type Data, EarlyStopping, Estimator, TerminateOnNaN, Trace } from '@fets/estimator';
import { Range, ScriptedNetwork, memoryLogger } from '../fakes.js';

/** Writes a scripted value of `key` at each eval epoch end. */
class Scripted extends Trace {
  constructor(
    readonly key: string,
    readonly values: number[],
  ) {
    super({ outputs: key, mode: 'eval' });
  }
  override onEpochEnd(data: Data) {
    data.writeWithLog(this.key, this.values[this.system.epoch - 1]!);
  }
}

async function fitWith(evalLoss: number[], traces: Trace[], epochs = 10) {
  const est = new Estimator({
    pipeline: new Pipeline({ trainData: new Range(4), evalData: new Range(2), batchSize: 2 }),
    network: new ScriptedNetwork({ evalLoss: (e) => evalLoss[e - 1] ?? 0 }),
    epochs,
    traces: [...traces, memoryLogger()],
  });
  const summary = await est.fit({ warmup: false });
  return { est, summary };
}

describe('estimator/traces/adapt EarlyStopping and TerminateOnNaN', () => {
  it('stops at the epoch where patience runs out (eval loss, min)', async () => {
    const lines: string[] = [];
    const es = new EarlyStopping({ patience: 2, write: (l) => lines.push(l) });
    const { est, summary } = await fitWith([5, 4, 4.5, 4.2, 3, 2, 1], [es]);
    expect(est.system.epoch).to.equal(4);
    expect(es.stoppedEpoch).to.equal(4);
    expect(es.best).to.equal(4);
    expect(es.bestEpoch).to.equal(2);
    expect([...summary.history.eval!.loss!.values()]).to.deep.equal([5, 4, 4.5, 4.2]);
    expect(lines).to.deep.equal(["FastEstimator-EarlyStopping: 'loss' triggered an early stop. Its best value was 4 at epoch 2"]);
  });

  it('patience 0 stops at the first epoch without improvement; minDelta makes small gains count as none', async () => {
    const a = await fitWith([3, 2, 2, 1], [new EarlyStopping({ write: () => {} })]);
    expect(a.est.system.epoch).to.equal(3);
    const es = new EarlyStopping({ minDelta: 0.5, patience: 1, write: () => {} });
    const b = await fitWith([5, 4.8, 4.0, 3.8, 3.4, 3.0], [es]);
    // 5 (best) → 4.8 (gain 0.2 ≤ 0.5: wait 1, stop)
    expect(b.est.system.epoch).to.equal(2);
    const es2 = new EarlyStopping({ minDelta: 0.5, patience: 2, write: () => {} });
    const c = await fitWith([5, 4.8, 4.0, 3.8, 3.4, 3.0], [es2], 6);
    // 5 → 4.8 wait 1 → 4.0 (gain 1.0) best → 3.8 wait 1 → 3.4 (gain 0.6) best → 3.0 wait 1; no stop in 6 epochs
    expect(c.est.system.epoch).to.equal(6);
    expect(es2.best).to.equal(3.4);
    expect(es2.stoppedEpoch).to.equal(undefined);
  });

  it("compareMode 'max' on a metric written by another trace, and a baseline to beat", async () => {
    const es = new EarlyStopping({ monitor: 'f1', compareMode: 'max', patience: 1, write: () => {} });
    const { est } = await fitWith([], [es, new Scripted('f1', [0.5, 0.6, 0.7, 0.65, 0.8])]);
    expect(est.system.epoch).to.equal(4);
    expect(es.best).to.equal(0.7);
    const withBaseline = new EarlyStopping({ monitor: 'f1', compareMode: 'max', patience: 2, baseline: 0.9, write: () => {} });
    const r = await fitWith([], [withBaseline, new Scripted('f1', [0.5, 0.6, 0.7, 0.95])]);
    expect(r.est.system.epoch).to.equal(2);
  });

  it('restoreBestWeights puts the best epoch’s weights back without leaking tensors', async () => {
    const w = tf.variable(tf.zeros([3]), true, 'es_w');
    const model = functionModel({ name: 'm', call: ([x]) => tf.mul(x!, w), variables: [w] });
    const before = tf.memory().numTensors;
    const es = new EarlyStopping({ patience: 2, restoreBestWeights: true, model, write: () => {} });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(2), evalData: new Range(2), batchSize: 2 }),
      network: new ScriptedNetwork({
        evalLoss: (e) => [3, 1, 2, 2.5, 0][e - 1]!,
        onTrainStep: (_s, epoch) => tf.tidy(() => w.assign(tf.fill([3], epoch))),
      }),
      epochs: 5,
      traces: [es, memoryLogger()],
    });
    await est.fit({ warmup: false });
    expect(est.system.epoch).to.equal(4);
    expect(Array.from(w.dataSync())).to.deep.equal([2, 2, 2]);
    expect(tf.memory().numTensors).to.equal(before);
    expect(() => new EarlyStopping({ restoreBestWeights: true })).to.throw(/EarlyStopping: model: restoreBestWeights needs the model/);
    w.dispose();
  });

  it('TerminateOnNaN stops at the step whose loss is NaN and says where', async () => {
    const lines: string[] = [];
    const t = new TerminateOnNaN({ monitorNames: 'loss', write: (l) => lines.push(l) });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(8), evalData: new Range(2), batchSize: 2 }),
      network: new ScriptedNetwork({ trainLoss: (s) => (s === 7 ? NaN : 1 / s) }),
      epochs: 5,
      traces: [t, memoryLogger()],
    });
    await est.fit({ warmup: false });
    expect(est.system.globalStep).to.equal(7);
    expect(est.system.epoch).to.equal(2);
    expect(t.detected).to.deep.include({ key: 'loss', step: 7, epoch: 2, mode: 'train' });
    expect(lines).to.deep.equal(['FastEstimator-TerminateOnNaN: NaN detected in "loss" at step 7 (epoch 2, train)']);
  });

  it('TerminateOnNaN without monitorNames checks every numeric key, including Infinity', async () => {
    const t = new TerminateOnNaN({ write: () => {} });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(8), batchSize: 2 }),
      network: new ScriptedNetwork({ trainLoss: (s) => (s === 3 ? -Infinity : 1) }),
      epochs: 2,
      traces: [t, memoryLogger()],
    });
    await est.fit({ warmup: false });
    expect(est.system.globalStep).to.equal(3);
    expect(t.detected?.value).to.equal(-Infinity);
  });
});
