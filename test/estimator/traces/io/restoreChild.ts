/**
 * Child process of restoreWizard.test.ts: trains a small dense model with dropout for 6 epochs under
 * enableDeterministic, with a RestoreWizard in `dir`; prints `STEP n` after every step; writes the final weights to
 * `out` as JSON. Run again after a kill, it resumes from the last checkpoint.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { NumpyDataset, Pipeline } from '@fets/pipeline';
import { CrossEntropy, ModelOp, Network, UpdateOp, build, namedVariables } from '@fets/network';
import { Estimator, Logger, RestoreWizard, Trace, enableDeterministic } from '@fets/estimator';

const [dir, out] = process.argv.slice(2) as [string, string];
await tf.setBackend('cpu');
enableDeterministic(7);
const n = 192;
const x = Array.from({ length: n }, (_, i) => Array.from({ length: 8 }, (_, j) => Math.sin(i * 0.37 + j * 1.3)));
const y = x.map((r) => (r[0]! + r[1]! > 0 ? (r[2]! > 0 ? 2 : 1) : 0));
const data = new NumpyDataset({ x: x.map((r) => Float32Array.from(r)), y });
const model = build(
  () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ units: 16, inputShape: [8], activation: 'relu' }),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.dense({ units: 3 }),
      ],
    }),
  'adam',
  { modelName: 'm' },
);
class Steps extends Trace {
  override onBatchEnd() {
    process.stdout.write(`STEP ${this.system.globalStep}\n`);
  }
}
const estimator = new Estimator({
  pipeline: new Pipeline({ trainData: data, evalData: data.split(0.25, { seed: 1 }), batchSize: 16, seed: 3 }),
  network: new Network([
    new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
    new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
    new UpdateOp({ model, lossName: 'ce' }),
  ]),
  epochs: 6,
  traces: [new Steps({ mode: 'train' }), new RestoreWizard({ directory: dir }), new Logger({ write: () => {} })],
});
const summary = await estimator.fit({ warmup: false });
const weights = Object.fromEntries([...namedVariables(model)].map(([k, v]) => [k, Array.from(v.dataSync())]));
writeFileSync(out, JSON.stringify({ weights, evalLoss: summary.series('eval', 'ce'), steps: estimator.system.globalStep }));
