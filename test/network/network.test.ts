import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, EpochScheduler, NDArray, OpError, PipelineError, type DataDict } from '@fets/pipeline';
import {
  Adam,
  CrossEntropy,
  Delete,
  LambdaOp,
  ModelOp,
  Network,
  NonFiniteLossError,
  Sometimes,
  UpdateOp,
  build,
  functionModel,
  getOptimizer,
} from '@fets/network';
import type { NetworkLike } from '@fets/estimator';
import { classBatch, concatRows, copyWeights, denseModel, maxWeightDiff } from './netFixtures.js';

const D = 5;
const C = 3;

/** Hand-written sparse softmax cross entropy, mean over the batch. */
const handLoss = (logits: tf.Tensor, y: tf.Tensor) =>
  tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(y, 'int32'), C), tf.logSoftmax(logits)), -1))) as tf.Scalar;

function classifierNetwork(model: tf.LayersModel, extra: Partial<ConstructorParameters<typeof UpdateOp>[0]> = {}) {
  return new Network([
    new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
    new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
    new UpdateOp({ model, lossName: 'ce', ...extra }),
  ]);
}

describe('network/Network: training', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const optName of ['sgd', 'adam'] as const) {
    it(`matches a hand-written optimizer.minimize loop over the same batches (${optName})`, async () => {
      const make = () => (optName === 'sgd' ? tf.train.sgd(0.1) : tf.train.adam(0.01));
      const a = build(() => denseModel(D, C, 1), make);
      const b = denseModel(D, C, 2);
      copyWeights(a, b);
      expect(maxWeightDiff(a, b)).to.equal(0);
      const optB = make();
      const network = classifierNetwork(a);
      const varsB = b.trainableWeights.map((w) => w.read() as tf.Variable);
      for (let step = 1; step <= 15; step++) {
        const batch = classBatch(8, D, C, step);
        const out = await network.runStep(batch, { mode: 'train', epoch: 1 }, ['ce']);
        const x = tf.tensor(batch.x.data as Float32Array, [8, D]);
        const y = tf.tensor(batch.y.data as Int32Array, [8], 'int32');
        const cost = optB.minimize(() => handLoss(b.apply(x) as tf.Tensor, y), true, varsB)!;
        expect(out.ce as number).to.be.closeTo(cost.dataSync()[0]!, 1e-5);
        tf.dispose([x, y, cost]);
      }
      expect(maxWeightDiff(a, b)).to.be.below(1e-5);
      expect(maxWeightDiff(a, denseModel(D, C, 1))).to.be.above(1e-3);
      tf.dispose([a, b].flatMap((m) => m.weights.map((w) => w.read())));
      optB.dispose();
      getOptimizer(a).dispose();
    });
  }

  it('mergeGrad: 4 with batch 8 equals one step at batch 32 (SGD)', async () => {
    const a = build(
      () => denseModel(D, C, 3),
      () => tf.train.sgd(0.5),
    );
    const b = build(
      () => denseModel(D, C, 4),
      () => tf.train.sgd(0.5),
    );
    copyWeights(a, b);
    const init = denseModel(D, C, 5);
    copyWeights(a, init);
    const merged = classifierNetwork(a, { mergeGrad: 4 });
    const single = classifierNetwork(b);
    const parts = [11, 12, 13, 14].map((s) => classBatch(8, D, C, s));
    for (let i = 0; i < 4; i++) {
      const r = await merged.runStepTensors(parts[i]!, { mode: 'train', epoch: 1 });
      expect(r.updates[0]!.outcome).to.equal(i < 3 ? 'accumulated' : 'applied');
      r.dispose();
      if (i < 3) expect(maxWeightDiff(a, init)).to.equal(0);
    }
    await single.runStep({ x: concatRows(parts.map((p) => p.x)), y: concatRows(parts.map((p) => p.y)) }, { mode: 'train', epoch: 1 });
    expect(maxWeightDiff(a, init)).to.be.above(1e-4);
    expect(maxWeightDiff(a, b)).to.be.below(1e-5);
    merged.dispose();
  });

  it('clipNorm clips the gradient by its global norm (closed form)', async () => {
    const c1 = [3, 0, -4];
    const c2 = [12];
    const norm = Math.sqrt(9 + 16 + 144); // 13
    for (const clip of [1, 6.5, 100]) {
      const w1 = tf.variable(tf.tensor([1, 2, 3]), true, `clip_w1_${clip}`);
      const w2 = tf.variable(tf.tensor([-1]), true, `clip_w2_${clip}`);
      const model = build(
        functionModel({
          name: `linear${clip}`,
          call: ([x]) => tf.add(tf.mul(tf.sum(x!), 0), tf.add(tf.sum(tf.mul(w1, c1)), tf.sum(tf.mul(w2, c2)))),
          variables: [w1, w2],
        }),
        () => tf.train.sgd(1),
      );
      const network = new Network([
        new ModelOp({ model, inputs: 'x', outputs: 'loss' }),
        new UpdateOp({ model, lossName: 'loss', clipNorm: clip }),
      ]);
      await network.runStep({ x: NDArray.from([1, 2]) }, { mode: 'train', epoch: 1 });
      const scale = Math.min(1, clip / norm);
      const got1 = Array.from(w1.dataSync());
      const got2 = Array.from(w2.dataSync());
      [1, 2, 3].forEach((w, i) => expect(got1[i]).to.be.closeTo(w - c1[i]! * scale, 1e-5));
      expect(got2[0]).to.be.closeTo(-1 - 12 * scale, 1e-5);
      model.dispose();
    }
  });

  it('ignoreIndex positions change neither the loss nor any gradient', async () => {
    // A token classifier: logits [B, L, C] = x [B, L, C] @ W [C, C].
    const B = 2;
    const L = 4;
    const labels = new NDArray(Int32Array.from([0, -100, 2, 1, -100, -100, 1, 0]), [B, L], 'int32');
    const ignored = Array.from(labels.data as Int32Array, (v) => v === -100);
    const r = (seed: number) => Float32Array.from({ length: B * L * C }, (_, i) => Math.sin(seed * 7.3 + i * 1.7));
    const xa = r(1);
    const xb = Float32Array.from(xa, (v, i) => (ignored[Math.floor(i / C)] ? v * 25 - 3 : v));
    const outcomes: { loss: number; w: Float32Array }[] = [];
    for (const x of [xa, xb]) {
      const w = tf.variable(tf.tensor2d([1, 0.5, -0.2, 0.3, 1, 0.1, -0.4, 0.2, 1], [C, C]), true);
      const model = build(
        functionModel({ name: 'tok', call: ([inp]) => tf.matMul(tf.reshape(inp!, [B * L, C]), w).reshape([B, L, C]), variables: [w] }),
        () => tf.train.sgd(0.7),
      );
      const network = new Network([
        new ModelOp({ model, inputs: 'x', outputs: 'logits' }),
        new CrossEntropy({ inputs: ['logits', 'y'], outputs: 'ce', fromLogits: true, ignoreIndex: -100 }),
        new UpdateOp({ model, lossName: 'ce' }),
      ]);
      const out = await network.runStep({ x: new NDArray(x, [B, L, C], 'float32'), y: labels }, { mode: 'train', epoch: 1 }, ['ce']);
      outcomes.push({ loss: out.ce as number, w: w.dataSync() as Float32Array });
      model.dispose();
    }
    expect(outcomes[0]!.loss).to.be.closeTo(outcomes[1]!.loss, 1e-6);
    outcomes[0]!.w.forEach((v, i) => expect(v).to.be.closeTo(outcomes[1]!.w[i]!, 1e-6));
    // And the gradient w.r.t. the logits is exactly zero at ignored positions.
    const ce = new CrossEntropy({ inputs: ['logits', 'y'], outputs: 'ce', fromLogits: true, ignoreIndex: -100 });
    const g = tf.tidy(() => {
      const y = tf.tensor(labels.data as Int32Array, [B, L], 'int32');
      return tf.grad((lg: tf.Tensor) => ce.forward([lg, y]) as tf.Scalar)(tf.tensor(xb, [B, L, C]));
    });
    const gd = g.dataSync();
    ignored.forEach((ig, pos) => {
      for (let c = 0; c < C; c++) if (ig) expect(gd[pos * C + c]).to.equal(0);
    });
    expect(Array.from(gd).some((v) => v !== 0)).to.equal(true);
    g.dispose();
  });

  it('two models, two UpdateOps (GAN-style): each updates only its own variables, from the same weights', async () => {
    // g: x [B, 2] -> h [B, 2] = x @ G;  d: h -> s [B, 1] = h @ Dw.  lossG = mean(s), lossD = mean((s - 1)^2).
    const G0 = [0.5, -0.3, 0.8, 0.1];
    const D0 = [0.7, -0.6];
    const Gv = tf.variable(tf.tensor2d(G0, [2, 2]), true);
    const Dv = tf.variable(tf.tensor2d(D0, [2, 1]), true);
    const gen = build(functionModel({ name: 'gen', call: ([x]) => tf.matMul(x!, Gv), variables: [Gv] }), () => tf.train.sgd(0.1));
    const disc = build(functionModel({ name: 'disc', call: ([h]) => tf.matMul(h!, Dv), variables: [Dv] }), () => tf.train.sgd(0.1));
    const network = new Network([
      new ModelOp({ model: gen, inputs: 'x', outputs: 'h' }),
      new ModelOp({ model: disc, inputs: 'h', outputs: 's' }),
      new LambdaOp({ fn: (s: tf.Tensor) => tf.mean(s), inputs: 's', outputs: 'lossG' }),
      new LambdaOp({ fn: (s: tf.Tensor) => tf.mean(tf.square(tf.sub(s, 1))), inputs: 's', outputs: 'lossD' }),
      new UpdateOp({ model: gen, lossName: 'lossG' }),
      new UpdateOp({ model: disc, lossName: 'lossD' }),
    ]);
    const x = [
      [1, 2],
      [-1, 0.5],
      [0.3, -0.7],
    ];
    // Hand gradients at the initial weights.
    const hand = tf.tidy(() => {
      const xt = tf.tensor2d(x);
      const G = tf.tensor2d(G0, [2, 2]);
      const Dm = tf.tensor2d(D0, [2, 1]);
      const gG = tf.grad((g: tf.Tensor) => tf.mean(tf.matMul(tf.matMul(xt, g), Dm)) as tf.Scalar)(G);
      const gD = tf.grad((d: tf.Tensor) => tf.mean(tf.square(tf.sub(tf.matMul(tf.matMul(xt, G), d), 1))) as tf.Scalar)(Dm);
      return [tf.sub(G, tf.mul(gG, 0.1)).dataSync(), tf.sub(Dm, tf.mul(gD, 0.1)).dataSync()];
    });
    const r = await network.runStepTensors({ x: NDArray.from(x, 'float32') }, { mode: 'train', epoch: 1 });
    expect(r.updates.map((u) => [u.model, u.outcome])).to.deep.equal([
      ['gen', 'applied'],
      ['disc', 'applied'],
    ]);
    r.dispose();
    Array.from(Gv.dataSync()).forEach((v, i) => expect(v).to.be.closeTo(hand[0]![i]!, 1e-6));
    Array.from(Dv.dataSync()).forEach((v, i) => expect(v).to.be.closeTo(hand[1]![i]!, 1e-6));
    gen.dispose();
    disc.dispose();
  });

  for (const defer of [false, true]) {
    it(`a non-trailing UpdateOp ${defer ? 'with defer: true waits for the end of the step' : 'applies at once: later passes see the new weights'}`, async () => {
      const G0 = [0.5, -0.3, 0.8, 0.1];
      const D0 = [0.7, -0.6];
      const Gv = tf.variable(tf.tensor2d(G0, [2, 2]), true);
      const Dv = tf.variable(tf.tensor2d(D0, [2, 1]), true);
      const gen = build(functionModel({ name: `g${defer}`, call: ([x]) => tf.matMul(x!, Gv), variables: [Gv] }), () => tf.train.sgd(0.1));
      const disc = build(functionModel({ name: `d${defer}`, call: ([h]) => tf.matMul(h!, Dv), variables: [Dv] }), () => tf.train.sgd(0.1));
      const network = new Network([
        new ModelOp({ model: gen, inputs: 'x', outputs: 'h' }),
        new ModelOp({ model: disc, inputs: 'h', outputs: 's' }),
        new LambdaOp({ fn: (v: tf.Tensor) => tf.mean(v), inputs: 's', outputs: 'lossG' }),
        new UpdateOp({ model: gen, lossName: 'lossG', defer }),
        new LambdaOp({ fn: (v: tf.Tensor) => tf.mean(tf.square(tf.sub(v, 1))), inputs: 's', outputs: 'lossD' }),
        new UpdateOp({ model: disc, lossName: 'lossD' }),
      ]);
      const x = [
        [1, 2],
        [-1, 0.5],
      ];
      const wantD = tf.tidy(() => {
        const xt = tf.tensor2d(x);
        const G = tf.tensor2d(G0, [2, 2]);
        const Dm = tf.tensor2d(D0, [2, 1]);
        const gG = tf.grad((g: tf.Tensor) => tf.mean(tf.matMul(tf.matMul(xt, g), Dm)) as tf.Scalar)(G);
        const Gseen = defer ? G : tf.sub(G, tf.mul(gG, 0.1));
        const gD = tf.grad((d: tf.Tensor) => tf.mean(tf.square(tf.sub(tf.matMul(tf.matMul(xt, Gseen), d), 1))) as tf.Scalar)(Dm);
        return tf.sub(Dm, tf.mul(gD, 0.1)).dataSync();
      });
      await network.runStep({ x: NDArray.from(x, 'float32') }, { mode: 'train', epoch: 1 });
      Array.from(Dv.dataSync()).forEach((v, i) => expect(v).to.be.closeTo(wantD[i]!, 1e-6));
      gen.dispose();
      disc.dispose();
    });
  }

  it('warm-up computes gradients but changes no weight', async () => {
    const model = build(() => denseModel(D, C, 30), 'sgd');
    const init = denseModel(D, C, 31);
    copyWeights(model, init);
    const network = classifierNetwork(model);
    const r = await network.runStepTensors(classBatch(4, D, C, 1), { mode: 'train', epoch: 1, warmup: true });
    expect(r.updates[0]!.outcome).to.equal('warmup');
    r.dispose();
    expect(maxWeightDiff(model, init)).to.equal(0);
    expect(network.trainSteps).to.equal(0);
  });

  it('an EpochScheduler of optimizers switches by epoch', async () => {
    const model = build(() => denseModel(D, C, 6), new EpochScheduler({ 1: 'sgd', 3: 'adam' }));
    const network = classifierNetwork(model);
    await network.runStep(classBatch(4, D, C, 1), { mode: 'train', epoch: 2 });
    expect(getOptimizer(model).getClassName()).to.equal('SGD');
    await network.runStep(classBatch(4, D, C, 2), { mode: 'train', epoch: 3 });
    expect(getOptimizer(model)).to.be.instanceOf(Adam); // fets' Adam: tf.train.adam's algorithm on one fused kernel
    expect(getOptimizer(model).iterations).to.equal(1);
  });

  it('tensor count is identical after step 10 and step 200 (Adam, mergeGrad, clipNorm, eval steps in between)', async () => {
    const model = build(() => denseModel(D, C, 7), 'adam');
    const network = classifierNetwork(model, { mergeGrad: 2, clipNorm: 1 });
    let at10 = -1;
    for (let step = 1; step <= 200; step++) {
      await network.runStep(classBatch(8, D, C, step), { mode: 'train', epoch: 1 }, ['ce', 'yPred', 'x']);
      if (step % 50 === 0) await network.runStep(classBatch(8, D, C, 1000 + step), { mode: 'eval', epoch: 1 }, ['ce', 'yPred']);
      if (step === 10) at10 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).to.equal(at10);
    const t0 = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await network.transform(classBatch(2, D, C, i), 'infer');
    expect(tf.memory().numTensors).to.equal(t0);
    network.dispose();
  });
});

describe('network/Network: runStep, transform and key analysis', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('runStep returns fetch keys as plain values and leaves batch values as they came', async () => {
    const model = build(() => denseModel(D, C, 8), 'sgd');
    const network = classifierNetwork(model);
    const batch: DataDict = { ...classBatch(4, D, C, 1), words: [['a'], ['b'], ['c'], ['d']] };
    const before = tf.memory().numTensors;
    const out = await network.runStep(batch, { mode: 'eval', epoch: 1 }, ['ce', 'yPred', 'y', 'words']);
    expect(out.ce).to.be.a('number');
    expect(out.yPred).to.be.instanceOf(NDArray);
    expect((out.yPred as NDArray).shape).to.deep.equal([4, C]);
    expect(out.y).to.equal(batch.y);
    expect(out.words).to.equal(batch.words);
    expect(tf.memory().numTensors).to.equal(before);
    expect(network.lossKeys('eval')).to.deep.equal(['ce']);
    const asEstimatorSees: NetworkLike = network; // the Estimator's interface, checked by the compiler
    expect(asEstimatorSees.requiredKeys('train', 1)).to.deep.equal(['x', 'y']);
    expect(network.learningRates()).to.deep.equal([[model.name, 0.01]]);
  });

  it("transform runs the mode's ops without updating and returns NDArrays", async () => {
    const model = build(() => denseModel(D, C, 9), 'sgd');
    const init = denseModel(D, C, 10);
    copyWeights(model, init);
    const network = new Network([
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true, mode: '!infer' }),
      new UpdateOp({ model, lossName: 'ce' }),
      new Delete({ inputs: 'x', mode: 'infer' }),
    ]);
    const { x } = classBatch(3, D, C, 2);
    const out = await network.transform({ x }, 'infer');
    expect(Object.keys(out).sort()).to.deep.equal(['yPred']);
    expect((out.yPred as NDArray).shape).to.deep.equal([3, C]);
    const trainOut = await network.transform(classBatch(3, D, C, 2), 'train');
    expect(trainOut.ce).to.be.instanceOf(NDArray);
    expect(maxWeightDiff(model, init)).to.equal(0);
  });

  it('requiredKeys / producedKeys per mode, with Delete and meta ops', () => {
    const model = build(() => denseModel(D, C, 11), 'sgd');
    const network = new Network([
      new Sometimes({ op: new LambdaOp({ fn: (x: tf.Tensor) => tf.neg(x), inputs: 'x', outputs: 'xAug' }), prob: 0.5 }),
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true, mode: ['train', 'eval'] }),
      new UpdateOp({ model, lossName: 'ce' }),
      new Delete({ inputs: 'yPred', mode: 'eval' }),
    ]);
    expect(network.requiredKeys('train')).to.deep.equal(['x', 'xAug', 'y']);
    expect(network.requiredKeys('infer')).to.deep.equal(['x', 'xAug']);
    expect(network.producedKeys('train')).to.deep.equal(['xAug', 'yPred', 'ce']);
    expect(network.producedKeys('eval')).to.deep.equal(['xAug', 'ce']);
    expect(network.lossKeys('infer')).to.deep.equal([]);
  });
});

describe('network/Network: errors', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('a loss key no op produces: names the UpdateOp and the available keys', () => {
    const model = build(() => denseModel(D, C, 20), 'sgd', { modelName: 'clf' });
    expect(
      () =>
        new Network([
          new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
          new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
          // @ts-expect-error the compile-time check sees it too; the run-time one is the authority
          new UpdateOp({ model, lossName: 'loss' }),
        ]),
    ).to.throw(
      PipelineError,
      /UpdateOp \(model "clf"\) minimises loss key "loss", but no op produces it \(keys produced by ops: ce, yPred\)/,
    );
  });

  it('an UpdateOp whose model no ModelOp runs: names the UpdateOp and the model', () => {
    const a = build(() => denseModel(D, C, 21), 'sgd', { modelName: 'a' });
    const b = build(() => denseModel(D, C, 22), 'sgd', { modelName: 'b' });
    expect(
      () =>
        new Network([
          new ModelOp({ model: a, inputs: 'x', outputs: 'yPred' }),
          new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
          new UpdateOp({ model: b, lossName: 'ce' }),
        ]),
    ).to.throw(PipelineError, /UpdateOp \(lossName "ce"\) updates model "b", but no ModelOp in this Network runs it \(models run: "a"\)/);
  });

  it('an UpdateOp on a model not made by build is rejected at construction', () => {
    const m = denseModel(D, C, 23);
    expect(() => new UpdateOp({ model: m, lossName: 'ce' })).to.throw(ConfigError, /not created by build\(\)/);
  });

  it('checkGraph: a key nobody provides names the op, the key and the mode', () => {
    const model = build(() => denseModel(D, C, 24), 'sgd');
    const network = classifierNetwork(model);
    expect(() => network.checkGraph(['x', 'y'], 'train')).not.to.throw();
    expect(() => network.checkGraph(['x', 'label'], 'train')).to.throw(
      PipelineError,
      /op CrossEntropy reads key "y" in mode "train", but neither the Pipeline nor an earlier Network op provides it \(available: label, x, yPred/,
    );
  });

  it('NaN in the loss: an error naming the op, key and step; with skipNonFinite the update is skipped and counted', async () => {
    const make = (skip: boolean) => {
      const model = build(() => denseModel(D, C, 25), 'sgd');
      const ops = [
        new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
        new UpdateOp({ model, lossName: 'ce' }),
      ];
      return { model, network: new Network(ops, { skipNonFinite: skip }), update: ops[2] as UpdateOp };
    };
    const bad = classBatch(4, D, C, 3);
    (bad.x.data as Float32Array)[2] = NaN;
    const strict = make(false);
    await strict.network.runStep(classBatch(4, D, C, 1), { mode: 'train', epoch: 1 });
    const before = tf.memory().numTensors;
    let err: unknown;
    try {
      await strict.network.runStep(bad, { mode: 'train', epoch: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(NonFiniteLossError);
    expect((err as Error).message).to.match(
      /^UpdateOp \(key "ce"\): loss of model ".*" is NaN at step 2 \(epoch 1, mode train\): expected a finite number/,
    );
    expect(tf.memory().numTensors).to.equal(before);

    const lenient = make(true);
    const init = denseModel(D, C, 26);
    copyWeights(lenient.model, init);
    const r = await lenient.network.runStepTensors(bad, { mode: 'train', epoch: 1 });
    expect(r.updates[0]!.outcome).to.equal('skipped');
    r.dispose();
    expect(lenient.update.skippedSteps).to.equal(1);
    expect(maxWeightDiff(lenient.model, init)).to.equal(0);
  });

  it('a loss that is not a scalar: an error with its shape', async () => {
    const model = build(() => denseModel(D, C, 27), 'sgd');
    const network = new Network([
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true, averageLoss: false }),
      new UpdateOp({ model, lossName: 'ce' }),
    ]);
    let err: unknown;
    try {
      await network.runStep(classBatch(4, D, C, 1), { mode: 'train', epoch: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(OpError);
    expect((err as Error).message).to.equal('UpdateOp (key "ce"): expected a scalar loss (averageLoss: true), received shape [4]');
  });

  it('a loss that does not depend on the model: a clear error', async () => {
    const model = build(() => denseModel(D, C, 28), 'sgd', { modelName: 'm28' });
    const network = new Network([
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new LambdaOp({ fn: (x: tf.Tensor) => tf.mean(x), inputs: 'x', outputs: 'fake' }),
      new UpdateOp({ model, lossName: 'fake' }),
    ]);
    let err: unknown;
    try {
      await network.runStep(classBatch(4, D, C, 1), { mode: 'train', epoch: 1 });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/loss "fake" does not depend on any trainable variable of model "m28"/);
  });

  it('prediction/label shape mismatch inside a step names the op, keys and shapes (and leaks nothing)', async () => {
    const model = build(() => denseModel(D, C, 29), 'sgd');
    const network = classifierNetwork(model);
    const b = classBatch(4, D, C, 1);
    await network.runStep(b, { mode: 'train', epoch: 1 });
    const before = tf.memory().numTensors;
    let err: unknown;
    try {
      await network.runStep(
        {
          x: b.x,
          y: NDArray.from(
            [
              [1, 0],
              [0, 1],
              [1, 0],
              [0, 1],
            ],
            'float32',
          ),
        },
        { mode: 'train', epoch: 1 },
      );
    } catch (e) {
      err = e;
    }
    expect(tf.memory().numTensors, 'a failing step frees what it created').to.equal(before);
    expect(err).to.be.instanceOf(OpError);
    expect((err as Error).message).to.match(/CrossEntropy: prediction "yPred" has shape \[4, 3\] and label "y" has shape \[4, 2\]/);
  });

  it('non-op entries are rejected', () => {
    expect(() => new Network([{} as never])).to.throw(ConfigError, /ops\[0\]: expected a TensorOp/);
    expect(() => new Network([], { skipNonFinit: true } as never)).to.throw(ConfigError, /did you mean "skipNonFinite"/);
  });
});
