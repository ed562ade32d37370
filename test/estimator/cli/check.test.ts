import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import {
  CheckError,
  Estimator,
  Network,
  NDArray,
  Pipeline,
  PipelineError,
  build,
  checkEstimator,
  describeShape,
  formatCheckReport,
  initBackend,
  op,
} from '@fets/estimator';
import { namedVariables } from '@fets/network';
import { buildDense, denseData, denseSchema } from './fixtures/dense.js';

const snapshot = (m: Parameters<typeof namedVariables>[0]) =>
  [...namedVariables(m)].map(([k, v]) => [k, Array.from(v.dataSync())] as const);

describe('cli: checkEstimator (fets check)', function () {
  this.timeout(60_000);
  before(async () => {
    await initBackend({ quiet: true });
  });

  it('pulls one batch per mode, runs the Network op by op, reports keys and shapes, changes no weight, leaks no tensor', async () => {
    const est = buildDense(denseSchema.parse({ units: 5, batchSize: 8 }));
    const model = (est.network as Network).models[0]!;
    const before = snapshot(model);
    const tensors = tf.memory().numTensors;
    const report = await checkEstimator(est);
    expect(tf.memory().numTensors).to.equal(tensors);
    expect(snapshot(model)).to.deep.equal(before);
    expect(report.modes.map((m) => m.mode)).to.deep.equal(['train', 'eval', 'test']);
    const train = report.modes[0]!;
    expect(train.samples).to.equal(64);
    expect(train.batch).to.deep.equal([
      ['x', 'float32 [8, 4]'],
      ['y', 'int32 [8]'],
    ]);
    expect(train.networkOps.map((o) => [o.name, o.inputs, o.outputs])).to.deep.equal([
      ['ModelOp', ['x'], ['yPred']],
      ['CrossEntropy', ['yPred', 'y'], ['ce']],
      ['UpdateOp (model "dense")', ['ce'], []],
    ]);
    expect(train.networkOps[0]!.result).to.equal('yPred float32 [8, 2]');
    expect(train.networkOps[1]!.result).to.equal('ce float32 []');
    expect(train.networkOps[2]!.result).to.match(/^gradients of 4 variables, ce = \d+\.\d+ \(not applied\)$/);
    expect(report.modes[1]!.networkOps.map((o) => o.name)).to.deep.equal(['ModelOp', 'CrossEntropy']);
    expect(report.modes[1]!.traces.map((t) => t.name)).to.include('Accuracy');
    const text = formatCheckReport(report);
    expect(text).to.include('mode train: 64 samples');
    expect(text).to.match(/1\. +Batch +batchSize 8/);
    expect(text).to.match(/first batch: x float32 \[8, 4\]; y int32 \[8\]/);
    expect(text).to.match(/2\. +CrossEntropy +yPred, y → ce +ce float32 \[\]/);
  });

  it('a key nobody produces: PipelineError naming the op, the key and the mode, before any batch runs', async () => {
    const est = buildDense(denseSchema.parse({ labelKey: 'label' }));
    const e = await checkEstimator(est).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).to.be.instanceOf(PipelineError);
    expect((e as Error).message).to.match(
      /^Network: op CrossEntropy reads key "label" in mode "train", but neither the Pipeline nor an earlier Network op provides it/,
    );
  });

  it('an op that fails on real data: CheckError naming the op, its keys and the input shapes', async () => {
    // The model expects 5 features; the data has 4: only running a batch shows it.
    const model = build(() => tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 2 })] }), 'adam', { modelName: 'wide' });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: denseData(32, 0), batchSize: 8 }),
      network: new Network([
        new op.ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
        new op.UpdateOp({ model, lossName: 'ce' }),
      ]),
      epochs: 1,
    });
    const tensors = tf.memory().numTensors;
    const e = await checkEstimator(est).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).to.be.instanceOf(CheckError);
    expect((e as Error).message).to.match(
      /^fets check: mode "train": Network op 1 ModelOp \(x → yPred\) failed on the first batch \(inputs: x float32 \[8, 4\]\): .+/,
    );
    expect(tf.memory().numTensors).to.equal(tensors);
  });

  it('describeShape covers tensors, NDArrays, lists and scalars', () => {
    const t = tf.zeros([2, 3], 'int32');
    expect(describeShape(t)).to.equal('int32 [2, 3]');
    t.dispose();
    expect(describeShape(NDArray.from([[1.5, 2]]))).to.equal('float32 [1, 2]');
    expect(describeShape([['a'], ['b']])).to.equal('list(2) of lists');
    expect(describeShape(['a', 'b'])).to.equal('list(2) of string');
    expect(describeShape(3)).to.equal('number');
  });
});
