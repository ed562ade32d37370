import { expect } from 'chai';
import { Dataset, NDArray, Pipeline, type DataDict, type Mode } from '@fets/pipeline';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { build } from '@fets/network';
import { BestModelSaver, type Data, Estimator, Logger, Trace, type NetworkLike } from '@fets/estimator';
import type { StepStateInput } from '@fets/network';

class Range extends Dataset {
  constructor(readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number) {
    return { x: i };
  }
}

/** A network that "predicts" x * 2 and reports a loss of 1 / globalStep-ish. */
class FakeNetwork implements NetworkLike {
  steps: { mode: Mode; warmup: boolean }[] = [];
  requiredKeys() {
    return ['x'];
  }
  producedKeys() {
    return ['pred', 'loss'];
  }
  checkGraph(available: readonly string[]) {
    if (!available.includes('x')) throw new Error('network reads x');
  }
  lossKeys() {
    return ['loss'];
  }
  runStep(batch: DataDict, state: StepStateInput, fetch: readonly string[]): DataDict {
    this.steps.push({ mode: state.mode, warmup: state.warmup ?? false });
    const x = batch.x as NDArray;
    const out: DataDict = {
      pred: new NDArray(
        Float32Array.from(x.data as Int32Array, (v) => v * 2),
        x.shape,
        'float32',
      ),
      loss: 1 / this.steps.length,
    };
    return Object.fromEntries(fetch.filter((k) => k in out).map((k) => [k, out[k]]));
  }
  learningRates(): [string, number][] {
    return [['model', 0.001]];
  }
}

class Recorder extends Trace {
  events: string[] = [];
  constructor(opts: ConstructorParameters<typeof Trace>[0] = {}) {
    super(opts);
  }
  private rec(h: string) {
    this.events.push(`${this.system.mode}:${h}`);
  }
  override onBegin() {
    this.rec('begin');
  }
  override onEpochBegin() {
    this.rec('epochBegin');
  }
  override onBatchBegin() {
    this.rec('batchBegin');
  }
  override onBatchEnd() {
    this.rec('batchEnd');
  }
  override onEpochEnd() {
    this.rec('epochEnd');
  }
  override onEnd() {
    this.rec('end');
  }
}

const quiet = () => new Logger({ write: () => {} });

describe('estimator/Estimator loop', () => {
  it('fires hooks in FastEstimator order: begin, (train epoch, eval epoch)*, end; warm-up does not count', async () => {
    const net = new FakeNetwork();
    const rec = new Recorder();
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(4), evalData: new Range(2), batchSize: 2 }),
      network: net,
      epochs: 2,
      traces: [rec, quiet()],
    });
    const summary = await est.fit();
    const epoch = (m: string, n: number) => [
      `${m}:epochBegin`,
      ...Array(n)
        .fill([`${m}:batchBegin`, `${m}:batchEnd`])
        .flat(),
      `${m}:epochEnd`,
    ];
    expect(rec.events).to.deep.equal([
      'train:begin',
      ...epoch('train', 2),
      ...epoch('eval', 1),
      ...epoch('train', 2),
      ...epoch('eval', 1),
      'train:end',
    ]);
    expect(net.steps.filter((s) => s.warmup).map((s) => s.mode)).to.deep.equal(['train', 'eval']);
    expect(est.system.globalStep).to.equal(4);
    expect([...summary.history.eval!.loss!.keys()]).to.deep.equal([2, 4]);
    expect(summary.history.train!['epoch_time(sec)']!.size).to.equal(2);
  });

  it('stopTraining stops after the current step and still runs the final traces', async () => {
    class StopAt extends Recorder {
      override onBatchEnd() {
        super.onBatchEnd();
        if (this.system.mode === 'train' && this.system.globalStep === 3) this.system.stopTraining = true;
      }
    }
    const rec = new StopAt();
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(10), evalData: new Range(2), batchSize: 2 }),
      network: new FakeNetwork(),
      epochs: 5,
      traces: [rec, quiet()],
    });
    await est.fit({ warmup: false });
    expect(est.system.globalStep).to.equal(3);
    expect(rec.events.at(-1)).to.equal('train:end');
    expect(rec.events.filter((e) => e === 'train:epochEnd').length).to.equal(1);
    expect(rec.events.filter((e) => e === 'eval:epochEnd').length).to.equal(1);
  });

  it('System is immutable for traces: only stopTraining = true is accepted', async () => {
    class Meddler extends Trace {
      errors: string[] = [];
      override onBatchEnd() {
        for (const f of [
          () => ((this.system as unknown as { globalStep: number }).globalStep = 99),
          () => (this.system.stopTraining = false),
          () => ((this.system.state as { epoch: number }).epoch = 7),
        ]) {
          try {
            f();
          } catch (e) {
            this.errors.push((e as Error).constructor.name);
          }
        }
      }
    }
    const m = new Meddler({ mode: 'train' });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(2), batchSize: 2 }),
      network: new FakeNetwork(),
      epochs: 1,
      traces: [m, quiet()],
    });
    await est.fit({ warmup: false });
    expect(m.errors).to.deep.equal(['TypeError', 'TypeError', 'TypeError']);
    expect(est.system.globalStep).to.equal(1);
  });

  it('trainStepsPerEpoch cuts or extends an epoch', async () => {
    const net = new FakeNetwork();
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(4), batchSize: 2 }),
      network: net,
      epochs: 2,
      trainStepsPerEpoch: 5,
      traces: [quiet()],
    });
    await est.fit({ warmup: false });
    expect(est.system.globalStep).to.equal(10);
  });

  it('orders traces by their keys and rejects an input nobody writes, or a cycle, before training', async () => {
    const order: string[] = [];
    class W extends Trace {
      override onEpochEnd(data: Data) {
        order.push(this.outputs[0] ?? this.inputs[0]!);
        for (const k of this.outputs) data.writeWithLog(k, 1);
      }
    }
    const a = new W({ inputs: 'b', outputs: 'a', mode: 'eval' });
    const b = new W({ inputs: 'pred', outputs: 'b', mode: 'eval' });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(2), evalData: new Range(2), batchSize: 2 }),
      network: new FakeNetwork(),
      epochs: 1,
      traces: [a, b, quiet()],
    });
    await est.fit({ warmup: false });
    expect(order).to.deep.equal(['b', 'a']);
    const bad = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(2), batchSize: 2 }),
      network: new FakeNetwork(),
      epochs: 1,
      traces: [new W({ inputs: 'nothing', mode: 'train' })],
    });
    let err: unknown;
    try {
      await bad.fit();
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/trace W reads key "nothing" in mode "train"/);
    const cyc = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(2), batchSize: 2 }),
      network: new FakeNetwork(),
      epochs: 1,
      traces: [new W({ inputs: 'p', outputs: 'q' }), new W({ inputs: 'q', outputs: 'p' })],
    });
    let err2: unknown;
    try {
      await cyc.fit();
    } catch (e) {
      err2 = e;
    }
    expect(String(err2)).to.match(/cycle.*W\(p → q\).*W\(q → p\)/);
    expect(
      () => new Estimator({ pipeline: new Pipeline({ trainData: new Range(2), batchSize: 2 }), network: new FakeNetwork(), epochs: 0 }),
    ).to.throw(/epochs/);
  });

  it('Logger prints FastEstimator lines with steps/sec, epoch_time, total_time and learning rate', async () => {
    const lines: string[] = [];
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(8), evalData: new Range(4), batchSize: 2 }),
      network: new FakeNetwork(),
      epochs: 1,
      logSteps: 2,
      traces: [new Logger({ write: (l) => lines.push(l) })],
    });
    await est.fit({ warmup: false });
    expect(lines[0]).to.match(/^FastEstimator-Start: step: 1; logging_interval: 2;/);
    expect(lines[1]).to.match(/^FastEstimator-Train: step: 1; loss: [\d.]+; model_lr: 0.001;$/);
    expect(lines[2]).to.match(/^FastEstimator-Train: step: 2; loss: [\d.]+; steps\/sec: [\d.]+; data_wait\(%\): [\d.]+; model_lr: 0.001;$/);
    expect(lines.find((l) => l.startsWith('FastEstimator-Train: step: 4; epoch: 1; epoch_time(sec)'))).to.not.equal(undefined);
    expect(lines.find((l) => /^FastEstimator-Eval: step: 4; epoch: 1; loss: [\d.]+;$/.test(l))).to.not.equal(undefined);
    expect(lines.at(-1)).to.match(/^FastEstimator-Finish: step: 4; total_time\(sec\): [\d.]+; model_lr: 0.001;$/);
  });
});

describe('estimator/Estimator: bad configuration fails before training', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  it('a monitored metric nobody writes (BestModelSaver, monitorNames) is an error naming the trace and key, before any step', async () => {
    const net = new FakeNetwork();
    const model = build(() => tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] }), 'sgd', { modelName: 'm' });
    const saver = new BestModelSaver({ model, saveDir: mkdtempSync(`${os.tmpdir()}/fets-`), metric: 'f1', saveBestMode: 'max' });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(4), evalData: new Range(2), batchSize: 2 }),
      network: net,
      epochs: 1,
      traces: [saver, quiet()],
    });
    let err: unknown;
    await est.fit().catch((e) => (err = e));
    expect(String(err)).to.match(
      /trace BestModelSaver reads key "f1" in mode "eval", but neither the Pipeline, the Network nor another trace provides it/,
    );
    expect(net.steps.length).to.equal(0);
    const est2 = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(4), batchSize: 2 }),
      network: new FakeNetwork(),
      epochs: 1,
      monitorNames: 'acc',
      traces: [quiet()],
    });
    let err2: unknown;
    await est2.fit().catch((e) => (err2 = e));
    expect(String(err2)).to.match(/reads key "acc" in mode "train"/);
  });
});
