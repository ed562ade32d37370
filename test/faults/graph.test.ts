/**
 * Fault catalogue, op graphs: keys nobody produces, two ops writing one key, a loss that is not a scalar, labels a
 * head cannot hold. Each is caught with a message naming the op, the key and what was expected, and (for the graph
 * checks) before the first training step: the weights are untouched.
 */
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { LambdaOp as NumpyLambdaOp, OpError, Pipeline, PipelineError } from '@fets/pipeline';
import { CrossEntropy, LabelRangeError, ModelOp, Network, Reshape, UpdateOp } from '@fets/network';
import { Accuracy, Estimator, Logger, Trace, TraceGraphError } from '@fets/estimator';
import { errorOf } from '../helpers.js';
import { tinyData, tinyModel, weightsOf } from './fixtures/tiny.js';

const quiet = () => new Logger({ write: () => {} });

/** Counts training steps that reached the traces. */
class StepCount extends Trace {
  steps = 0;
  override onBatchEnd(): void {
    this.steps++;
  }
}

describe('faults/graph: op-graph mistakes', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('G1 a Pipeline op reads a key nobody produces: PipelineError at construction naming op, key, mode and the keys that exist', () => {
    const op = new NumpyLambdaOp({ fn: (v: unknown) => v, inputs: 'label', outputs: 'z' });
    const e = (() => {
      try {
        new Pipeline({ trainData: tinyData(), batchSize: 8, ops: [op] });
      } catch (err) {
        return err as PipelineError;
      }
      throw new Error('expected an error');
    })();
    expect(e).to.be.instanceOf(PipelineError);
    expect(e.message).to.equal(
      'op LambdaOp reads key "label" in mode "train", but no data set or earlier op provides it\n' +
        '  (train data provides: x, y; available before LambdaOp: x, y)',
    );
    expect(e.details).to.deep.include({ op: 'LambdaOp', key: 'label', mode: 'train' });
  });

  it('G2 a Network op reads a key nobody produces: fit() fails before the first step, naming op, key and available keys', async () => {
    const model = tinyModel();
    const before = weightsOf(model);
    const count = new StepCount({ mode: 'train' });
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(), batchSize: 8 }),
      network: new Network([
        new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new CrossEntropy({ inputs: ['yPred', 'label'], outputs: 'ce', fromLogits: true }),
        new UpdateOp({ model, lossName: 'ce' }),
      ]),
      epochs: 1,
      traces: [count, quiet()],
    });
    const e = (await errorOf(estimator.fit())) as PipelineError;
    expect(e).to.be.instanceOf(PipelineError);
    expect(e.message).to.equal(
      'Network: op CrossEntropy reads key "label" in mode "train", but neither the Pipeline nor an earlier Network op provides it ' +
        '(available: x, y, yPred; from the Pipeline: x, y)',
    );
    expect(count.steps).to.equal(0);
    expect(weightsOf(model)).to.deep.equal(before);
  });

  it('G3 two Network ops write one key in one mode: PipelineError before the first step naming both ops, the key and the mode', async () => {
    const model = tinyModel();
    const before = weightsOf(model);
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(), batchSize: 8 }),
      network: new Network([
        new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true }),
        new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true, labelSmoothing: 0.1 }),
        new UpdateOp({ model, lossName: 'loss' }),
      ]),
      epochs: 1,
      traces: [quiet()],
    });
    const e = (await errorOf(estimator.fit())) as PipelineError;
    expect(e).to.be.instanceOf(PipelineError);
    expect(e.message).to.equal(
      'Network: ops CrossEntropy (op 2) and CrossEntropy (op 3) both write key "loss" in mode "train": the second would ' +
        'silently overwrite the first\'s output. Give them different output keys, or make op 3 read "loss" to update it in place',
    );
    expect(e.details).to.deep.include({ key: 'loss', mode: 'train' });
    expect(weightsOf(model)).to.deep.equal(before);
  });

  it("G4 the rule's exceptions: an op updating a key in place, and one writer per mode, pass the check and train", async () => {
    const model = tinyModel();
    const network = new Network([
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new Reshape({ inputs: 'yPred', outputs: 'yPred', shape: [-1, 3] }), // reads what it writes: an in-place update
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true, mode: 'train' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true, labelSmoothing: 0.1, mode: 'eval' }),
      new UpdateOp({ model, lossName: 'loss' }),
    ]);
    expect(() => network.checkGraph(['x', 'y'], 'train')).to.not.throw();
    expect(() => network.checkGraph(['x', 'y'], 'eval')).to.not.throw();
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(), evalData: tinyData(16), batchSize: 8 }),
      network,
      epochs: 1,
      traces: [quiet()],
    });
    const summary = await estimator.fit();
    expect(summary.series('eval', 'loss')).to.have.length(1);
  });

  it('G5 a loss that is not a scalar: UpdateOp names the loss key and its shape, in the warm-up before any update', async () => {
    const model = tinyModel();
    const before = weightsOf(model);
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(), batchSize: 8 }),
      network: new Network([
        new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true, averageLoss: false }),
        new UpdateOp({ model, lossName: 'ce' }),
      ]),
      epochs: 1,
      traces: [quiet()],
    });
    const e = await errorOf(estimator.fit());
    expect(e).to.be.instanceOf(OpError);
    expect(e.message).to.equal('UpdateOp (key "ce"): expected a scalar loss (averageLoss: true), received shape [8]');
    expect(weightsOf(model)).to.deep.equal(before);
  });

  it('G6 sparse labels beyond the head (label 7 for 3 classes): LabelRangeError naming the key, the max label and the head width', async () => {
    const model = tinyModel();
    // Row 20 lands in the 3rd unshuffled batch: the first two steps run, the bad one is refused before its update.
    const count = new StepCount({ mode: 'train' });
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(48, { row: 20, y: 7 }), batchSize: 8, shuffle: false }),
      network: new Network([
        new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
        new UpdateOp({ model, lossName: 'ce' }),
      ]),
      epochs: 1,
      traces: [count, quiet()],
    });
    const e = (await errorOf(estimator.fit())) as LabelRangeError;
    expect(e).to.be.instanceOf(LabelRangeError);
    expect(e.message).to.equal(
      'CrossEntropy (key "y"): 1 label is outside the 3 classes of prediction "yPred" (head width 3): max label 7, min label 7; expected 0..2',
    );
    expect([e.labelKey, e.maxLabel, e.numClasses]).to.deep.equal(['y', 7, 3]);
    expect(count.steps).to.equal(2);
  });

  it('G7 a trace reads a key nobody produces: TraceGraphError before the first step naming the trace, the key and what exists', async () => {
    const model = tinyModel();
    const before = weightsOf(model);
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(), evalData: tinyData(16), batchSize: 8 }),
      network: new Network([
        new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
        new UpdateOp({ model, lossName: 'ce' }),
      ]),
      epochs: 1,
      traces: [new Accuracy({ trueKey: 'label', predKey: 'yPred' }), quiet()],
    });
    const e = await errorOf(estimator.fit());
    expect(e).to.be.instanceOf(TraceGraphError);
    expect(e.message).to.equal(
      'trace Accuracy reads key "label" in mode "eval", but neither the Pipeline, the Network nor another trace provides it ' +
        '(available: x, y, yPred, ce, accuracy)',
    );
    expect(weightsOf(model)).to.deep.equal(before);
  });
});
