import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { Pipeline, seededRandom } from '@fets/pipeline';
import { build, namedVariables, readSafetensors } from '@fets/network';
import { BestModelSaver, CheckpointAverage, Estimator, Trace } from '@fets/estimator';
import { errorOf } from '../../../helpers.js';
import { Range, ScriptedNetwork, memoryLogger } from '../fakes.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fets-average-'));
const weightsOf = (m: tf.LayersModel) => new Map([...namedVariables(m)].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));

/** The reference: each weight's element-wise mean over `snaps`, in float64, rounded to float32 once. */
function mean(snaps: Map<string, Float32Array>[]): Map<string, Float32Array> {
  return new Map(
    [...snaps[0]!.keys()].map((k) => [
      k,
      Float32Array.from(snaps[0]!.get(k)!, (_, i) => snaps.reduce((s, w) => s + w.get(k)![i]!, 0) / snaps.length),
    ]),
  );
}

/** A network stand-in that sets the model's weights to fresh random values at every training step; eval "F1" by epoch. */
function randomizingNetwork(model: tf.LayersModel, evalScore: number[]) {
  const rng = seededRandom(5);
  return new ScriptedNetwork({
    evalLoss: (e) => evalScore[e - 1]!,
    onTrainStep: () =>
      tf.tidy(() => {
        for (const v of namedVariables(model).values()) {
          v.assign(
            tf.tensor(
              Float32Array.from({ length: v.size }, () => rng() * 2 - 1),
              v.shape,
            ),
          );
        }
      }),
  });
}

/** Runs 5 epochs with `average` (and a BestModelSaver keeping the best file); returns the weights of each epoch. */
async function run(average: (model: tf.LayersModel, dir: string) => CheckpointAverage, scores: number[]) {
  const dir = tmp();
  const model = build(
    () => tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.dense({ units: 2 })] }),
    'adam',
    {
      modelName: 'clf',
    },
  );
  const atEpoch = new Map<number, Map<string, Float32Array>>();
  class Snap extends Trace {
    override onEpochEnd() {
      atEpoch.set(this.system.epoch, weightsOf(model));
    }
  }
  const avg = average(model, dir);
  const before = tf.memory().numTensors;
  await new Estimator({
    pipeline: new Pipeline({ trainData: new Range(2), evalData: new Range(2), batchSize: 2 }),
    network: randomizingNetwork(model, scores),
    epochs: 5,
    traces: [
      new BestModelSaver({ model, saveDir: dir, metric: 'loss', saveBestMode: 'max', write: () => {} }),
      avg,
      new Snap({ mode: 'eval' }),
      memoryLogger(),
    ],
  }).fit({ warmup: false });
  expect(tf.memory().numTensors, 'tensors after the run').to.equal(before);
  return { dir, model, avg, atEpoch };
}

describe('estimator/traces/io CheckpointAverage: the mean of the last or best k checkpoints', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it("'last': the model ends as the mean of the last k epochs' weights (float64 mean, one rounding), saved bit for bit", async () => {
    const lines: string[] = [];
    const { dir, model, avg, atEpoch } = await run(
      (m, d) => new CheckpointAverage({ model: m, k: 3, saveDir: d, write: (l) => lines.push(l) }),
      [0.1, 0.9, 0.2, 0.3, 0.4],
    );
    expect(avg.averagedEpochs).to.deep.equal([3, 4, 5]);
    const want = mean([3, 4, 5].map((e) => atEpoch.get(e)!));
    expect(weightsOf(model)).to.deep.equal(want);
    // Not any one epoch's weights.
    for (const e of [1, 2, 3, 4, 5]) expect(weightsOf(model)).to.not.deep.equal(atEpoch.get(e));
    const file = await readSafetensors(avg.modelPath);
    expect(avg.modelPath).to.equal(path.join(dir, 'clf_average.safetensors'));
    for (const [k, v] of want) expect(Array.from(file.tensors.get(k)!.data as Float32Array)).to.deep.equal(Array.from(v));
    expect(file.metadata.average).to.equal('3,4,5');
    expect(lines).to.deep.equal([
      `FastEstimator-CheckpointAverage: averaged the last 3 checkpoints (epochs 3, 4, 5) into the model; saved to ${avg.modelPath}`,
    ]);
  });

  it("'best': the mean of the k eval epochs with the best metric (max and min)", async () => {
    const scores = [0.5, 0.9, 0.1, 0.8, 0.85];
    const max = await run(
      (m, d) => new CheckpointAverage({ model: m, k: 2, select: 'best', metric: 'loss', saveDir: d, write: () => {} }),
      scores,
    );
    expect(max.avg.averagedEpochs).to.deep.equal([2, 5]);
    expect(weightsOf(max.model)).to.deep.equal(mean([2, 5].map((e) => max.atEpoch.get(e)!)));
    const min = await run(
      (m, d) => new CheckpointAverage({ model: m, k: 3, select: 'best', metric: 'loss', saveBestMode: 'min', saveDir: d, write: () => {} }),
      scores,
    );
    expect(min.avg.averagedEpochs).to.deep.equal([1, 3, 4]);
    expect(weightsOf(min.model)).to.deep.equal(mean([1, 3, 4].map((e) => min.atEpoch.get(e)!)));
    // k = 1: the best epoch itself, bit for bit.
    const one = await run(
      (m, d) => new CheckpointAverage({ model: m, k: 1, select: 'best', metric: 'loss', saveDir: d, write: () => {} }),
      scores,
    );
    expect(weightsOf(one.model)).to.deep.equal(one.atEpoch.get(2));
  });

  it("'best' without a metric is refused at construction", async () => {
    const model = build(() => tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] }), 'sgd');
    const e = await errorOf(Promise.resolve().then(() => new CheckpointAverage({ model, k: 2, select: 'best', saveDir: tmp() })));
    expect(e.message).to.equal("CheckpointAverage: select 'best': metric is required (e.g. 'f1')");
  });
});
