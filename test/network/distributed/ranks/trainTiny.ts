// Rank script of the distributed training tests: a tiny BERT tagger trained by the Estimator on synthetic sentences
// (fixed length, no padding, dropout off), in one process (`node trainTiny.ts`) or as ranks (`mpirun -np N …`).
// Flags: --batch N (per rank) --steps N (per epoch) --epochs N --out DIR (rank 0 writes weights.json and result.json)
// --restore DIR (a RestoreWizard there) --stepSleepMs N (a pause per step, to be killed mid-run) --badSample K (the
// sample with id K fails an op with its file:line) --lr X.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  AdamW,
  CrossEntropy,
  ModelOp,
  Network,
  UpdateOp,
  bertForTokenClassification,
  build,
  getWorld,
  initBackend,
  namedVariables,
} from '@fets/network';
import { Accuracy, Estimator, RestoreWizard, Trace, runScript, type Data } from '@fets/estimator';
import { LambdaOp, NumpyDataset, OpError, Pipeline, type NDArray } from '@fets/pipeline';
import type { World } from '@fets/network';

const { values: a } = parseArgs({
  options: {
    batch: { type: 'string', default: '16' },
    steps: { type: 'string', default: '20' },
    epochs: { type: 'string', default: '1' },
    out: { type: 'string' },
    restore: { type: 'string' },
    stepSleepMs: { type: 'string', default: '0' },
    badSample: { type: 'string', default: '-1' },
    lr: { type: 'string', default: '0.001' },
    distributed: { type: 'boolean', default: false },
  },
});
const L = 8;
const TRAIN = 640;
const EVAL = 101;

/** Sentence `i`: token ids and a label per token that the model can learn (a function of the token). */
function sentence(i: number, salt: number) {
  const x = Int32Array.from({ length: L }, (_, j) => 2 + ((i * 31 + j * 7 + salt) % 37));
  const y = Int32Array.from(x, (t, j) => (t + x[(j + 1) % L]!) % 4);
  return { id: i, x, xMask: new Int32Array(L).fill(1), y };
}

/** Counts the eval samples seen and sums their ids, over every rank (each sample must come exactly once). */
class Coverage extends Trace {
  n = 0;
  idSum = 0;
  constructor() {
    super({ inputs: 'id', mode: 'eval' });
  }
  override onEpochBegin(): void {
    this.n = 0;
    this.idSum = 0;
  }
  override onBatchEnd(data: Data): void {
    const ids = data.get<NDArray>('id')!;
    this.n += ids.size;
    for (let i = 0; i < ids.size; i++) this.idSum += Number(ids.data[i]);
  }
  reduceAcrossRanks(world: World): void {
    [this.n, this.idSum] = world.sum([this.n, this.idSum]) as [number, number];
  }
  override onEpochEnd(data: Data): void {
    data.writeWithLog('eval_samples', this.n);
    data.writeWithLog('eval_id_sum', this.idSum);
  }
}

await runScript('trainTiny', async () => {
  await initBackend({ backend: 'wasm' });
  const world = getWorld();
  console.log(`pid ${world.rank} ${process.pid}`);
  const bad = Number(a.badSample);
  const sleep = Number(a.stepSleepMs);
  const pipeline = new Pipeline({
    trainData: NumpyDataset.fromRecords(Array.from({ length: TRAIN }, (_, i) => sentence(i, 0))),
    evalData: NumpyDataset.fromRecords(Array.from({ length: EVAL }, (_, i) => sentence(i, 5))),
    batchSize: Number(a.batch),
    shuffle: true,
    seed: 7,
    ops: [
      new LambdaOp({
        inputs: 'id',
        outputs: 'id',
        fn: (id: number) => {
          if (id === bad) throw new OpError('CheckSample', 'id', `sample ${id} is bad (train.tsv:${id + 1})`);
          if (sleep > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sleep / Number(a.batch));
          return id;
        },
      }),
    ],
  });
  const model = build(
    () =>
      bertForTokenClassification({
        vocabSize: 40,
        hiddenSize: 32,
        numHiddenLayers: 2,
        numAttentionHeads: 2,
        intermediateSize: 64,
        maxPositionEmbeddings: 16,
        numLabels: 4,
        hiddenDropoutProb: 0,
        attentionProbsDropoutProb: 0,
        seed: 3 + world.rank, // different on every rank: rank 0's weights must reach the others
        name: 'tiny',
      }),
    () => new AdamW({ learningRate: Number(a.lr), weightDecay: 0.01 }),
  );
  const network = new Network([
    new ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
    new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'loss', fromLogits: true }),
    new UpdateOp({ model, lossName: 'loss' }),
  ]);
  const traces: Trace[] = [new Accuracy({ trueKey: 'y', predKey: 'yPred', mode: 'eval' }), new Coverage()];
  if (a.restore) traces.push(new RestoreWizard({ directory: a.restore }));
  const estimator = new Estimator({
    pipeline,
    network,
    epochs: Number(a.epochs),
    trainStepsPerEpoch: Number(a.steps),
    traces,
    logSteps: 0,
  });
  const summary = await estimator.fit({ warmup: false });
  const last = (k: string) => [...(summary.history.eval?.[k]?.values() ?? [])].at(-1);
  if (a.out && world.isChief) {
    fs.mkdirSync(a.out, { recursive: true });
    const weights: Record<string, number[]> = {};
    for (const [name, v] of namedVariables(model)) weights[name] = Array.from(v.dataSync());
    fs.writeFileSync(path.join(a.out, 'weights.json'), JSON.stringify(weights));
    const result = {
      size: world.size,
      accuracy: last('accuracy'),
      loss: last('loss'),
      samples: last('eval_samples'),
      idSum: last('eval_id_sum'),
      steps: estimator.system.globalStep,
    };
    fs.writeFileSync(path.join(a.out, 'result.json'), JSON.stringify(result));
  }
  console.log(`done rank ${world.rank} of ${world.size}, tensors ${tf.memory().numTensors}`);
});
