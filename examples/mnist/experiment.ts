/**
 * The MNIST recipe as a `fets` experiment: `npm run fets -- train examples/mnist/experiment.ts [--config …] [--set …]`.
 * `outDir` is resolved from the working directory.
 */
import path from 'node:path';
import * as fe from '@fets/estimator';
import { mnistConfigSchema } from './config.js';
import { buildMnist } from './recipe.js';

export default fe.defineExperiment({
  name: 'mnist',
  description: "LeNet on MNIST (FastEstimator's tutorial 1)",
  schema: mnistConfigSchema,
  async build(params) {
    fe.enableDeterministic(params.seed);
    return (await buildMnist({ ...params, outDir: path.resolve(params.outDir) })).estimator;
  },
});
