/**
 * The CIFAR-10 recipe as a `fets` experiment: `npm run fets -- train examples/cifar10/experiment.ts --config
 * examples/cifar10/configs/digits.yaml`, or `fets show` to see an augmented batch.
 */
import path from 'node:path';
import * as fe from '@fets/estimator';
import { cifarConfigSchema } from './config.js';
import { buildCifar } from './recipe.js';

export default fe.defineExperiment({
  name: 'cifar10',
  description: "ResNet9 on CIFAR-10 (FastEstimator's fast recipe: pad-and-crop, flips, Cutout)",
  schema: cifarConfigSchema,
  async build(params) {
    fe.enableDeterministic(params.seed);
    return (await buildCifar({ ...params, outDir: path.resolve(params.outDir) })).estimator;
  },
});
