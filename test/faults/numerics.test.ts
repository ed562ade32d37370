/**
 * Fault catalogue, numerics: NaN/Inf in the inputs, in the loss, in the weights. Where it is detected, what is
 * printed, and that no non-finite state ever replaces the last good checkpoint.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EpochScheduler, Pipeline } from '@fets/pipeline';
import {
  CrossEntropy,
  ModelOp,
  Network,
  NonFiniteLossError,
  TensorOp,
  UpdateOp,
  namedVariables,
  type Model,
  type StepState,
} from '@fets/network';
import { BestModelSaver, Estimator, Logger, ModelSaver, RestoreWizard, TerminateOnNaN, Trace, loadModelWeights } from '@fets/estimator';
import { errorOf } from '../helpers.js';
import { listDir, tinyData, tinyModel, tmpDir, weightsOf } from './fixtures/tiny.js';

const quiet = () => new Logger({ write: () => {} });

/** Multiplies the loss by `factor` at one global step (a loss that turns NaN/Inf), in place. */
class PoisonLoss extends TensorOp {
  constructor(
    private readonly atStep: number,
    private readonly factor: number,
  ) {
    super({ inputs: 'ce', outputs: 'ce', mode: 'train' });
  }
  override forward(loss: tf.Tensor, state: StepState): tf.Tensor {
    return state.step === this.atStep ? tf.mul(loss, this.factor) : loss;
  }
}

function network(model: Model, extra: TensorOp[] = [], options: { skipNonFinite?: boolean } = {}): Network {
  return new Network(
    [
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
      ...extra,
      new UpdateOp({ model, lossName: 'ce' }),
    ],
    options,
  );
}

const allFinite = (model: Model) => Object.values(weightsOf(model)).every((w) => w.every(Number.isFinite));

/** Collects stderr lines while `fn` runs. */
async function stderrOf(fn: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const real = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = real;
  }
  return lines.join('');
}

describe('faults/numerics: NaN and Inf', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('N1 NaN in an input, no TerminateOnNaN: NonFiniteLossError names the loss, step, epoch and the input key and element', async () => {
    const model = tinyModel();
    // Row 20 is row 4 of the 3rd unshuffled batch of 8.
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(48, { row: 20, x: [0.5, NaN, 0.1, 0.2] }), batchSize: 8, shuffle: false }),
      network: network(model),
      epochs: 1,
      traces: [quiet()],
    });
    const e = (await errorOf(estimator.fit())) as NonFiniteLossError;
    expect(e).to.be.instanceOf(NonFiniteLossError);
    expect(e.message).to.equal(
      'UpdateOp (key "ce"): loss of model "m" is NaN at step 3 (epoch 1, mode train): expected a finite number; lower the learning ' +
        'rate, check inputs and labels, or pass skipNonFinite: true to skip such steps. Cause: input "x" holds NaN at [4, 1] (1 non-finite of 32)',
    );
    expect(e.nonFiniteInputs).to.deep.equal([{ key: 'x', index: 17, value: NaN, count: 1, shape: [8, 4] }]);
    expect(estimator.system.globalStep).to.equal(3);
    expect(allFinite(model)).to.equal(true);
  });

  it('N2 NaN in an input with TerminateOnNaN: training stops naming the key and step; the bad step is not applied; epoch 1 stays latest', async () => {
    const dir = tmpDir('n2');
    const model = tinyModel();
    const printed: string[] = [];
    const nan = new TerminateOnNaN({ write: (l) => printed.push(l) });
    const clean = tinyData(48);
    const poisoned = tinyData(48, { row: 20, x: [0.5, NaN, 0.1, 0.2] });
    const update = new UpdateOp({ model, lossName: 'ce' });
    const estimator = new Estimator({
      pipeline: new Pipeline({
        trainData: new EpochScheduler({ 1: clean, 2: poisoned }),
        evalData: tinyData(16),
        batchSize: 8,
        shuffle: false,
      }),
      network: new Network([
        new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
        update,
      ]),
      epochs: 3,
      traces: [nan, new RestoreWizard({ directory: dir }), quiet()],
    });
    const err = await stderrOf(() => estimator.fit());
    expect(printed).to.deep.equal(['FastEstimator-TerminateOnNaN: NaN detected in "x" at step 9 (epoch 2, train)']);
    expect(nan.detected).to.deep.include({ key: 'x', step: 9, epoch: 2, mode: 'train' });
    expect(update.skippedSteps).to.equal(1);
    expect(estimator.system.globalStep).to.equal(9);
    expect(allFinite(model)).to.equal(true);
    expect(err).to.include(
      'FastEstimator-RestoreWizard: not saving epoch 2: TerminateOnNaN found NaN in "x" at step 9; the previous checkpoint stays the one to resume from',
    );
    expect(listDir(dir)).to.deep.equal(['epoch-0001', 'latest']);
    expect(fs.readFileSync(path.join(dir, 'latest'), 'utf8')).to.equal('epoch-0001\n');
  });

  it('N3 a NaN loss: TerminateOnNaN stops at that step; every saver keeps the last good checkpoint', async () => {
    const dir = tmpDir('n3');
    const model = tinyModel();
    const printed: string[] = [];
    const nan = new TerminateOnNaN({ monitorNames: 'ce', write: (l) => printed.push(l) });
    const restore = path.join(dir, 'restore');
    let best: Buffer | undefined;
    /** Reads the best file after epoch 1's save (it runs after BestModelSaver: it reads what that writes). */
    class Grab extends Trace {
      override onEpochEnd(): void {
        if (this.system.epoch === 1) best = fs.readFileSync(path.join(dir, 'm_best_ce.safetensors'));
      }
    }
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(48), evalData: tinyData(16), batchSize: 8 }),
      network: network(model, [new PoisonLoss(9, NaN)]),
      epochs: 3,
      traces: [
        nan,
        new BestModelSaver({ model, saveDir: dir, metric: 'ce', write: () => {} }),
        new RestoreWizard({ directory: restore }),
        new Grab({ mode: 'eval', inputs: 'min_ce' }),
        quiet(),
      ],
    });
    const err = await stderrOf(() => estimator.fit());
    expect(printed).to.deep.equal(['FastEstimator-TerminateOnNaN: NaN detected in "ce" at step 9 (epoch 2, train)']);
    expect(estimator.system.globalStep).to.equal(9);
    expect(allFinite(model)).to.equal(true);
    expect(err).to.include('not saving epoch 2: TerminateOnNaN found NaN in "ce" at step 9');
    expect(listDir(restore)).to.deep.equal(['epoch-0001', 'latest']);
    expect(listDir(dir)).to.deep.equal(['m_best_ce.safetensors', 'restore']);
    // The best file holds finite weights: epoch 2's (finite, the NaN step skipped) if its loss was lower, else epoch 1's.
    expect(best).to.not.equal(undefined);
    const back = tinyModel('m', 3, 4);
    loadModelWeights(back, path.join(dir, 'm_best_ce.safetensors'));
    expect(allFinite(back)).to.equal(true);
  });

  it('N4 an Inf loss: the same as NaN, TerminateOnNaN stops and names Infinity; epoch 1 stays latest', async () => {
    const dir = tmpDir('n4');
    const model = tinyModel();
    const printed: string[] = [];
    const nan = new TerminateOnNaN({ monitorNames: 'ce', write: (l) => printed.push(l) });
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(48), evalData: tinyData(16), batchSize: 8 }),
      network: network(model, [new PoisonLoss(10, Infinity)]),
      epochs: 3,
      traces: [nan, new RestoreWizard({ directory: dir }), quiet()],
    });
    await stderrOf(() => estimator.fit());
    expect(printed).to.deep.equal(['FastEstimator-TerminateOnNaN: Infinity detected in "ce" at step 10 (epoch 2, train)']);
    expect(nan.detected).to.deep.include({ key: 'ce', step: 10, value: Infinity });
    expect(allFinite(model)).to.equal(true);
    expect(listDir(dir)).to.deep.equal(['epoch-0001', 'latest']);
  });

  it('N5 weights that turn NaN (skipNonFinite run, no TerminateOnNaN): ModelSaver and RestoreWizard refuse to save them, saying so', async () => {
    const dir = tmpDir('n5');
    const model = tinyModel();
    /** Poisons one weight after step 8 (epoch 2), as an exploding update would. */
    class Explode extends Trace {
      override onBatchEnd(): void {
        if (this.system.globalStep === 8) {
          const v = namedVariables(model).get('layers.0.kernel')!;
          v.assign(tf.fill(v.shape, NaN));
        }
      }
    }
    const saved: string[] = [];
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(48), batchSize: 8 }),
      network: network(model, [], { skipNonFinite: true }),
      epochs: 2,
      traces: [
        new Explode({ mode: 'train' }),
        new ModelSaver({ model, saveDir: dir, write: (l) => saved.push(l) }),
        new RestoreWizard({ directory: path.join(dir, 'restore') }),
        quiet(),
      ],
    });
    const err = await stderrOf(() => estimator.fit());
    expect(saved).to.deep.equal([
      `FastEstimator-ModelSaver: Saved model to ${path.join(dir, 'm_epoch_1.safetensors')}`,
      `FastEstimator-ModelSaver: not saving ${path.join(dir, 'm_epoch_2.safetensors')}: weight "layers.0.kernel" holds NaN; the files saved before are kept`,
    ]);
    expect(err).to.include(
      'FastEstimator-RestoreWizard: not saving epoch 2: weight "layers.0.kernel" of model "m" holds NaN; the previous checkpoint stays the one to resume from',
    );
    expect(listDir(dir)).to.deep.equal(['m_epoch_1.safetensors', 'restore']);
    expect(listDir(path.join(dir, 'restore'))).to.deep.equal(['epoch-0001', 'latest']);
    const back = tinyModel('m', 3, 4);
    loadModelWeights(back, path.join(dir, 'm_epoch_1.safetensors'));
    expect(allFinite(back)).to.equal(true);
  });

  it('N6 NaN in an eval input: the eval loss is NaN; BestModelSaver never treats it as a best and says nothing is saved', async () => {
    const dir = tmpDir('n6');
    const model = tinyModel();
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(48), evalData: tinyData(16, { row: 3, x: [NaN, 0, 0, 0] }), batchSize: 8 }),
      network: network(model),
      epochs: 2,
      traces: [new BestModelSaver({ model, saveDir: dir, metric: 'ce', write: () => {} }), quiet()],
    });
    const summary = await estimator.fit();
    const evalCe = summary.series('eval', 'ce').map(([, v]) => v as number);
    expect(evalCe.every(Number.isNaN)).to.equal(true);
    expect(listDir(dir)).to.deep.equal([]);
    expect(summary.series('eval', 'since_best_ce').map(([, v]) => v)).to.deep.equal([1, 2]);
  });
});
