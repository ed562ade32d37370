/**
 * Figure 1, framework overhead: `Estimator.fit` against a hand-written tfjs loop on the same model object, the same
 * optimizer object and the same pre-made batches (already tokenized/padded arrays: the Pipeline only groups them).
 * The hand loop per step: tensors from the batch arrays, `tf.variableGrads` of the same cross-entropy, the
 * optimizer's `applyGradients`, the loss read back. fets per step: Pipeline batch → Network (ModelOp, CrossEntropy,
 * UpdateOp) → traces (TrainEssential, a silent Logger) with default settings (logSteps 100). Repetitions alternate
 * hand/fets after one warm-up repetition of each; the figure is the ratio of median step times. Models: bert-tiny
 * (bench/bertTask.ts) and a dense MLP (784-512-512-10, batch 32). Goal: fets ≤ 1.03× the hand loop.
 */
import * as tf from '@tensorflow/tfjs';
import { Estimator, Logger } from '@fets/estimator';
import {
  CrossEntropy,
  ModelOp,
  Network,
  UpdateOp,
  build,
  callModel,
  getOptimizer,
  initBackend,
  trainableVariables,
  type Model,
} from '@fets/network';
import { NDArray, NumpyDataset, Pipeline, type DataDict } from '@fets/pipeline';
import { BATCH, SEQ, bertBatches, bertTask, tokenCrossEntropy } from './bertTask.js';
import { fmtMs, fmtX, median, note, type FigureResult, type Row } from './common.js';

interface Case {
  name: string;
  model: Model;
  inputs: string[];
  data: Record<string, NDArray>;
  steps: number;
}

function bertCase(steps: number): Case {
  const { model, optimizer } = bertTask('tiny');
  build(model, () => optimizer, { modelName: 'bert' });
  const bs = bertBatches(steps, 1);
  const n = steps * BATCH;
  const cat = (f: (b: (typeof bs)[number]) => Int32Array) => {
    const out = new Int32Array(n * SEQ);
    bs.forEach((b, i) => out.set(f(b), i * BATCH * SEQ));
    return new NDArray(out, [n, SEQ], 'int32');
  };
  return {
    name: 'bert-tiny',
    model,
    inputs: ['x', 'xMask'],
    data: { x: cat((b) => b.ids), xMask: cat((b) => b.mask), y: cat((b) => b.labels) },
    steps,
  };
}

function denseCase(steps: number): Case {
  const model = build(
    () =>
      tf.sequential({
        layers: [
          tf.layers.dense({
            units: 512,
            inputShape: [784],
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          }),
          tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
          tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        ],
      }),
    'adam',
    { modelName: 'mlp' },
  );
  const n = steps * BATCH;
  let s = 7;
  const x = Float32Array.from({ length: n * 784 }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const y = Int32Array.from({ length: n }, (_, i) => Math.floor(x[i * 784]! * 10));
  return {
    name: 'dense 784-512-512-10',
    model,
    inputs: ['x'],
    data: { x: new NDArray(x, [n, 784], 'float32'), y: new NDArray(y, [n], 'int32') },
    steps,
  };
}

async function collect(pipeline: Pipeline): Promise<DataDict[]> {
  const out: DataDict[] = [];
  for await (const b of pipeline.batches({ mode: 'train', epoch: 1 })) out.push(b);
  return out;
}

const toTensor = (a: NDArray) => tf.tensor(a.data as Float32Array | Int32Array, [...a.shape], a.dtype as 'float32' | 'int32');

async function measure(c: Case, reps: number): Promise<{ handMs: number[]; fetsMs: number[] }> {
  const pipeline = new Pipeline({ trainData: new NumpyDataset(c.data), batchSize: BATCH, shuffle: false });
  const batches = await collect(pipeline);
  const network = new Network([
    new ModelOp({ model: c.model, inputs: c.inputs, outputs: 'yPred' }),
    new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
    new UpdateOp({ model: c.model, lossName: 'ce' }),
  ]);
  const estimator = new Estimator({
    pipeline,
    network,
    epochs: 1,
    trainStepsPerEpoch: c.steps,
    traces: [new Logger({ write: () => {}, progress: 'off' })],
  });
  const optimizer = getOptimizer(c.model);
  const vars = trainableVariables(c.model);
  const handLoop = async () => {
    for (const b of batches) {
      const ins = c.inputs.map((k) => toTensor(b[k] as NDArray));
      const y = toTensor(b.y as NDArray);
      const { value, grads } = tf.variableGrads(() => tokenCrossEntropy(callModel(c.model, ins, true) as tf.Tensor, y), vars);
      await value.data();
      optimizer.applyGradients(grads);
      tf.dispose([value, grads, y, ...ins]);
    }
  };
  const handMs: number[] = [];
  const fetsMs: number[] = [];
  for (let r = 0; r <= reps; r++) {
    let t0 = performance.now();
    await handLoop();
    const hand = (performance.now() - t0) / c.steps;
    t0 = performance.now();
    await estimator.fit({ warmup: false });
    const fets = (performance.now() - t0) / c.steps;
    if (r > 0) {
      handMs.push(hand);
      fetsMs.push(fets);
    }
    note(`overhead ${c.name} rep ${r}${r === 0 ? ' (warm-up)' : ''}: hand ${hand.toFixed(1)} ms/step, fets ${fets.toFixed(1)} ms/step`);
  }
  return { handMs, fetsMs };
}

export async function run(options: { reps?: number; bertSteps?: number; denseSteps?: number } = {}): Promise<FigureResult> {
  await initBackend({ quiet: true });
  const reps = options.reps ?? 5;
  const cases = [bertCase(options.bertSteps ?? 10), denseCase(options.denseSteps ?? 100)];
  const rows: Row[] = [];
  const data: Record<string, unknown> = { backend: tf.getBackend(), reps };
  for (const c of cases) {
    const m = await measure(c, reps);
    const hand = median(m.handMs);
    const fets = median(m.fetsMs);
    const ratio = fets / hand;
    rows.push({
      figure: `overhead: ${c.name} train step, Estimator.fit vs hand loop`,
      fets: fmtMs(fets),
      reference: `${fmtMs(hand)} hand`,
      ratio: fmtX(ratio),
      goal: '≤ 1.03×',
      met: ratio <= 1.03 ? 'yes' : 'no',
    });
    data[c.name] = { steps: c.steps, handMsPerStep: m.handMs, fetsMsPerStep: m.fetsMs, handMedian: hand, fetsMedian: fets, ratio };
  }
  return { rows, data };
}
