import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { Dataset, Pipeline } from '@fets/pipeline';
import { CrossEntropy, ModelOp, Network, UpdateOp, build, initBackend } from '@fets/network';
import { Estimator, Profiler } from '@fets/estimator';
import { KernelTimer, ProfileError, formatStepProfile, profileKernelTimes, type StepProfile } from '@fets/network/kernels';
import { memoryLogger } from './fakes.js';

/** 64 samples: 16 features, a class from the sign of their sum. */
class Blobs extends Dataset {
  get length() {
    return 64;
  }
  get(i: number) {
    const x = Array.from({ length: 16 }, (_, j) => Math.sin(i * 7.1 + j * 1.3));
    return { x, y: x.reduce((a, b) => a + b, 0) > 0 ? 1 : 0 };
  }
}

const dense = () =>
  tf.sequential({
    layers: [
      tf.layers.dense({ units: 32, inputShape: [16], activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
    ],
  });

function checkProfile(p: StepProfile): void {
  expect(p.rows.length).to.be.at.least(3);
  expect(p.wallMs).to.be.above(0);
  expect(p.kernelMs).to.be.above(0);
  expect(p.kernelMs).to.be.at.most(p.wallMs + 1e-9);
  expect(p.outsideMs).to.be.closeTo(p.wallMs - p.kernelMs, 1e-6);
  expect(p.rows.reduce((s, r) => s + r.ms, 0)).to.be.closeTo(p.kernelMs, 1e-6);
  expect(p.rows.reduce((s, r) => s + r.calls, 0)).to.equal(p.calls);
  for (let i = 1; i < p.rows.length; i++) expect(p.rows[i]!.ms).to.be.at.most(p.rows[i - 1]!.ms);
  for (const r of p.rows) {
    expect(r.calls).to.be.at.least(1);
    expect(r.share).to.be.closeTo(r.ms / p.wallMs, 1e-9);
  }
  // Forward and gradient products of the two dense layers.
  const matmul = p.rows.find((r) => r.kernel === '_FusedMatMul' || r.kernel === 'BatchMatMul');
  expect(matmul, p.rows.map((r) => r.kernel).join(', ')).to.not.equal(undefined);
}

describe('estimator/traces Profiler', () => {
  before(async () => {
    await initBackend({ backend: 'wasm', quiet: true });
  });

  it('profiles the chosen training steps of a dense model: kernels with positive totals, a table, no leak', async () => {
    const model = build(dense, 'adam', { modelName: 'mlp' });
    const network = new Network([
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
      new UpdateOp({ model, lossName: 'ce' }),
    ]);
    const lines: string[] = [];
    const profiler = new Profiler({ steps: [2, 3], top: 4, write: (l) => lines.push(l) });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Blobs(), batchSize: 16 }),
      network,
      epochs: 1,
      traces: [profiler, memoryLogger()],
    });
    await est.fit({ warmup: false });
    const before = tf.memory().numTensors;
    await est.fit({ warmup: false });
    expect(tf.memory().numTensors).to.equal(before);
    expect(tf.engine().state.profiling).to.equal(false);
    expect(profiler.profiles.map((p) => p.step)).to.deep.equal([2, 3, 2, 3]);
    for (const { profile } of profiler.profiles) {
      checkProfile(profile);
      expect(profile.newTensors).to.equal(0);
    }
    const header = lines.find((l) => l.startsWith('FastEstimator-Profiler: step: 2;'));
    expect(header).to.match(/wall [\d,.]+ ms; kernels [\d,.]+ ms \([\d.]+%\); [\d,]+ kernel calls$/);
    const table = lines[lines.indexOf(header!) + 1]!.split('\n');
    expect(table[0]).to.match(/^ {2}kernel\s+calls\s+total ms\s+share$/);
    expect(table.at(-1)).to.match(/^ {2}total\s+\d+\s+[\d,.]+\s+100\.0%$/);
    expect(table.some((l) => l.includes('(outside kernels'))).to.equal(true);
    // top 4 kernels, the rest summed, outside, total
    expect(table).to.have.length(1 + 4 + 1 + 1 + 1);
  });

  it('profileKernelTimes groups by shape on request and refuses to nest with tf.profile', async () => {
    const w = tf.variable(tf.randomNormal([16, 8], 0, 1, 'float32', 3));
    const x = tf.randomNormal([32, 16], 0, 1, 'float32', 4);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(x, w))) as tf.Scalar);
      value.dataSync();
      tf.dispose([value, grads]);
    };
    step();
    const n0 = tf.memory().numTensors;
    const p = await profileKernelTimes(step, { byShape: true });
    expect(tf.memory().numTensors).to.equal(n0);
    expect(p.rows.some((r) => r.kernel === 'BatchMatMul [32,16] [16,8]')).to.equal(true);
    expect(p.kernelMs).to.be.above(0);
    expect(formatStepProfile(p, { top: 2 })).to.include('more kernels');

    const timer = new KernelTimer();
    const profiled = tf.profile(async () => {
      expect(() => timer.start()).to.throw(ProfileError, /already profiling/);
    });
    await profiled;
    await profileKernelTimes(step).then(checkShares);
    let stopError: unknown;
    await timer.stop().catch((e: unknown) => (stopError = e));
    expect(stopError).to.be.instanceOf(ProfileError);
    tf.dispose([w, x]);
  });

  it('profileKernelTimes counts each kernel call of a function; kernel and outside shares add up to 1', async () => {
    const x = tf.ones([64, 64]);
    const p = await profileKernelTimes(() => tf.tidy(() => x.mul(x).add(x).mul(2).dataSync()));
    const calls = Object.fromEntries(p.rows.map((r) => [r.kernel, r.calls]));
    expect(calls).to.include({ Multiply: 2, Add: 1 });
    expect(p.rows.reduce((s, r) => s + r.share, 0) + p.outsideMs / p.wallMs).to.be.closeTo(1, 1e-9);
    const shaped = await profileKernelTimes(() => tf.tidy(() => x.mul(x).dataSync()), { byShape: true });
    expect(shaped.rows[0]!.kernel).to.equal('Multiply [64,64] [64,64]');
    expect(formatStepProfile(shaped)).to.match(/Multiply \[64,64\] \[64,64\] +1 /);
    x.dispose();
  });

  it('counts the kernels inside a tf.customGrad op once: the op keeps only its own (self) time', async () => {
    const x = tf.randomNormal([256, 256], 0, 1, 'float32', 5);
    // Forward: four products through the engine, nested in the custom op's own engine entry.
    const heavy = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
      save([a]);
      let y = a;
      for (let i = 0; i < 4; i++) y = tf.matMul(y, a);
      return { value: y, gradFunc: (dy: tf.Tensor) => dy };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor) => tf.Tensor;
    const step = () => {
      const y = heavy(x);
      y.dataSync();
      y.dispose();
    };
    step();
    const p = await profileKernelTimes(step);
    const custom = p.rows.find((r) => r.kernel.startsWith('(custom op:'));
    expect(custom, p.rows.map((r) => r.kernel).join(', ')).to.not.equal(undefined);
    expect(custom!.calls).to.equal(1);
    expect(p.rows.find((r) => r.kernel === 'BatchMatMul')!.calls).to.equal(4);
    // tf.profile's entries hold the products twice (each, and the op around them); the profile counts them once.
    const products = p.rows.find((r) => r.kernel === 'BatchMatMul')!.ms;
    expect(custom!.ms).to.be.below(products);
    expect(p.kernelMs).to.be.below(1.5 * products);
    expect(p.kernelMs).to.be.below(p.wallMs);
    expect(p.outsideMs).to.be.above(0);
    x.dispose();
  });
});

function checkShares(p: StepProfile): void {
  const sum = p.rows.reduce((s, r) => s + r.share, 0) + p.outsideMs / p.wallMs;
  expect(sum).to.be.closeTo(1, 1e-9);
}
