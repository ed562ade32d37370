import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';
import { readCifarConfig } from '../../examples/cifar10/config.js';
import { buildCifar } from '../../examples/cifar10/recipe.js';

describe('examples/cifar10 (ResNet9 with pad-and-crop and Cutout, on the npm digits)', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    await fe.initBackend({ quiet: true });
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-cifar-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('trains through the augmentation path (batch norm, residual pairs) and beats chance, without leaking tensors', async () => {
    const cfg = readCifarConfig([
      '--config',
      path.join(import.meta.dirname, '..', '..', 'examples', 'cifar10', 'configs', 'digits.yaml'),
      '--width',
      '8',
      '--epochs',
      '1',
      '--trainStepsPerEpoch',
      '40',
      '--logSteps',
      '0',
      '--outDir',
      dir,
    ]);
    fe.enableDeterministic(cfg.seed);
    const run = await buildCifar(cfg);
    const evalBatch = (await run.pipeline.getResults({ mode: 'eval' })) as fe.DataDict;
    expect((evalBatch.x as fe.NDArray).shape).to.deep.equal([64, 28, 28, 1]);
    await run.estimator.fit();
    const summary = await run.estimator.test();
    const tensors = tf.memory().numTensors;
    await run.estimator.test();
    expect(tf.memory().numTensors, 'tensors after a second test pass').to.equal(tensors);
    const accuracy = Number([...(summary.history.test?.accuracy?.values() ?? [])].at(-1));
    expect(accuracy).to.be.above(0.3); // chance is 0.1
  });
});
