/**
 * Rank script of `npm run bench -- distributed`: times the BERT token-classification training step of bertTask.ts
 * through a Network with an UpdateOp (so gradients go through fets' fused allreduce when run by mpirun), with the
 * global batch of 32 split over the ranks. Args: `--size mini --steps 5 --warmup 2`. Rank 0 prints one JSON line.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  AdamW,
  CrossEntropy,
  ModelOp,
  Network,
  UpdateOp,
  bertForTokenClassification,
  bertPreset,
  build,
  initBackend,
  initWorld,
} from '@fets/network';
import { NDArray } from '@fets/pipeline';
import { BATCH, LABELS, SEQ, bertBatches } from './bertTask.js';
import { CHILD_JSON, median } from './common.js';

const { values } = parseArgs({
  options: { size: { type: 'string', default: 'mini' }, steps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' } },
});
const world = initWorld();
const info = await initBackend({ backend: 'wasm' });
const per = BATCH / world.size;
const model = build(
  () => bertForTokenClassification(bertPreset(values.size!, { numLabels: LABELS, seed: 0 })),
  () => new AdamW({ learningRate: 1e-4, weightDecay: 0.01 }),
);
const network = new Network([
  new ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
  new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true }),
  new UpdateOp({ model, lossName: 'loss' }),
]);
const rows = (a: Int32Array) => new NDArray(a.slice(world.rank * per * SEQ, (world.rank + 1) * per * SEQ), [per, SEQ], 'int32');
const batches = bertBatches(2).map((b) => ({ x: rows(b.ids), xMask: rows(b.mask), y: rows(b.labels) }));
const warmup = Number(values.warmup);
const steps = Number(values.steps);
const ms: number[] = [];
for (let i = 0; i < warmup + steps; i++) {
  world.barrier();
  const t0 = performance.now();
  await network.runStep(batches[i % 2]!, { mode: 'train', epoch: 1 }, ['loss']);
  if (i >= warmup) ms.push(performance.now() - t0);
}
const threads = info.native && 'threads' in info.native ? info.native.threads : info.threads;
if (world.isChief) {
  const step = median(ms);
  process.stderr.write(
    `bench: distributed step ${values.size} ${world.size} rank(s) × ${threads} thread(s): ${step.toFixed(0)} ms, ${((1000 * BATCH) / step).toFixed(1)} samples/s\n`,
  );
  console.log(
    CHILD_JSON +
      JSON.stringify({
        size: world.size,
        threads,
        perRank: per,
        globalBatch: BATCH,
        stepMs: ms,
        stepMedianMs: step,
        samplesPerSecond: (1000 * BATCH) / step,
        tensors: tf.memory().numTensors,
      }),
  );
}
