import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@fets/pipeline';
import {
  Adam,
  AdamW,
  OPTIMIZER_NAMES,
  build,
  functionModel,
  getLearningRate,
  getModelName,
  getOptimizer,
  makeOptimizer,
  initBackend,
  setLearningRate,
} from '@fets/network';

/** Reference AdamW (PyTorch's algorithm) on plain numbers. */
function adamwRef(p: number[], grads: number[][], o: { lr: number; b1: number; b2: number; eps: number; wd: number }) {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const w = [...p];
  grads.forEach((g, s) => {
    const t = s + 1;
    for (let i = 0; i < w.length; i++) {
      w[i] = w[i]! * (1 - o.lr * o.wd);
      m[i] = o.b1 * m[i]! + (1 - o.b1) * g[i]!;
      v[i] = o.b2 * v[i]! + (1 - o.b2) * g[i]! ** 2;
      const mh = m[i]! / (1 - o.b1 ** t);
      const vh = v[i]! / (1 - o.b2 ** t);
      w[i] = w[i]! - (o.lr * mh) / (Math.sqrt(vh) + o.eps);
    }
  });
  return w;
}

describe('network/optimizers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('every optimizer name builds, and its learning rate reads and writes at run time', () => {
    for (const name of OPTIMIZER_NAMES) {
      const w = tf.variable(tf.tensor([1, 2]), true);
      const model = build(functionModel({ name: `m_${name}`, call: ([x]) => tf.mul(x!, w), variables: [w] }), name);
      const lr0 = getLearningRate(model);
      expect(lr0, name).to.be.a('number').and.be.above(0);
      setLearningRate(model, 0.25);
      expect(getLearningRate(model), name).to.equal(0.25);
      model.dispose();
      getOptimizer(model).dispose();
    }
  });

  it('a new learning rate takes effect at the next step (SGD caches -lr as a tensor)', () => {
    const w = tf.variable(tf.tensor([0]), true, 'lr_effect_w');
    const model = build(functionModel({ name: 'lrEffect', call: ([x]) => tf.mul(x!, w), variables: [w] }), 'sgd');
    const opt = getOptimizer(model);
    const step = () => opt.minimize(() => tf.sum(w) as tf.Scalar, false, [w]); // gradient 1
    step();
    expect(w.dataSync()[0]).to.be.closeTo(-0.01, 1e-7);
    setLearningRate(model, 0.5);
    step();
    expect(w.dataSync()[0]).to.be.closeTo(-0.51, 1e-6);
    model.dispose();
  });

  it('an unknown optimizer name: ConfigError listing the valid names, with a did-you-mean', () => {
    const mk = () => functionModel({ name: 'x', call: ([x]) => x!, variables: [] });
    expect(() => build(mk, 'adan')).to.throw(
      ConfigError,
      'build: unknown optimizer "adan", did you mean "adam"? (valid: adam, sgd, rmsprop, adagrad, adadelta, adamax, adamw)',
    );
    expect(() => makeOptimizer('nesterov')).to.throw(ConfigError, /valid: adam, sgd/);
    expect(() => build(mk, (() => 42) as never)).to.throw(ConfigError, /returning a tf.Optimizer, it returned 42/);
    expect(() => build(mk, 'adam', { modelname: 'a' } as never)).to.throw(ConfigError, /did you mean "modelName"/);
  });

  it("build names the model: modelName, else the model's own name", () => {
    const a = build(functionModel({ name: 'own', call: ([x]) => x!, variables: [] }), 'sgd');
    const b = build(() => functionModel({ name: 'own', call: ([x]) => x!, variables: [] }), 'sgd', { modelName: 'given' });
    expect(getModelName(a)).to.equal('own');
    expect(getModelName(b)).to.equal('given');
  });

  it('AdamW equals the reference algorithm; excluded variables get no decay', () => {
    const o = { lr: 0.05, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.1 };
    const kernel = tf.variable(tf.tensor([0.5, -1.5, 2.0]), true, 'dense/kernel_adamw');
    const bias = tf.variable(tf.tensor([0.3, -0.2]), true, 'dense/bias_adamw');
    const opt = new AdamW({ learningRate: o.lr, beta1: o.b1, beta2: o.b2, epsilon: o.eps, weightDecay: o.wd });
    const gk = [
      [0.1, -0.2, 0.3],
      [0.5, 0.5, -0.1],
      [-0.3, 0.0, 0.2],
    ];
    const gb = [
      [1, -1],
      [0.2, 0.4],
      [-0.5, 0.1],
    ];
    for (let s = 0; s < 3; s++) {
      tf.tidy(() => opt.applyGradients({ [kernel.name]: tf.tensor(gk[s]!), [bias.name]: tf.tensor(gb[s]!) }));
    }
    const wantK = adamwRef([0.5, -1.5, 2.0], gk, o);
    const wantB = adamwRef([0.3, -0.2], gb, { ...o, wd: 0 });
    Array.from(kernel.dataSync()).forEach((v, i) => expect(v).to.be.closeTo(wantK[i]!, 1e-6));
    Array.from(bias.dataSync()).forEach((v, i) => expect(v).to.be.closeTo(wantB[i]!, 1e-6));
    expect(opt.decays('bert.encoder.layer.0.attention.output.LayerNorm.weight')).to.equal(false);
    expect(opt.decays('bert.encoder.layer.0.attention.self.query.weight')).to.equal(true);
    expect(opt.iterations).to.equal(3);
    opt.dispose();
    tf.dispose([kernel, bias]);
  });

  it('AdamW state round-trips through getWeights/setWeights', async () => {
    const w = tf.variable(tf.tensor([1, -1, 0.5]), true, 'adamw_state_w');
    const a = new AdamW({ learningRate: 0.1 });
    const g = (s: number) => ({ [w.name]: tf.tensor([0.3 * s, -0.1, 0.2 / s]) });
    for (let s = 1; s <= 2; s++) tf.tidy(() => a.applyGradients(g(s)));
    const saved = (await a.getWeights()).map((x) => ({ name: x.name, tensor: x.tensor.clone() }));
    expect(saved.map((x) => x.name)).to.deep.equal(['iter', `${w.name}/m`, `${w.name}/v`]);
    const snapshot = w.clone();
    tf.tidy(() => a.applyGradients(g(3)));
    const afterA = Array.from(w.dataSync());
    w.assign(snapshot);
    const b = new AdamW({ learningRate: 0.1 });
    await b.setWeights(saved);
    expect(b.iterations).to.equal(2);
    tf.tidy(() => b.applyGradients(g(3)));
    Array.from(w.dataSync()).forEach((v, i) => expect(v).to.be.closeTo(afterA[i]!, 1e-7));
    expect(AdamW.fromConfig(AdamW, a.getConfig())).to.be.instanceOf(AdamW);
    a.dispose();
    b.dispose();
    tf.dispose([w, snapshot, ...saved.map((x) => x.tensor)]);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`Adam follows tf.train.adam step for step and keeps its state names (${backend}: ${backend === 'wasm' ? 'one fused kernel per variable' : 'element-wise ops'})`, async () => {
      await initBackend({ quiet: true });
      await tf.setBackend(backend);
      try {
        const shapes = [[3, 4], [7], [2, 2, 3]];
        const start = shapes.map((sh, i) => tf.randomUniform(sh, -1, 1, 'float32', 11 + i));
        const grads = [0, 1, 2, 3, 4].map((s) => shapes.map((sh, i) => tf.randomUniform(sh, -2, 2, 'float32', 100 * s + i)));
        const runWith = async (make: () => tf.Optimizer, tag: string) => {
          const vars = start.map((t, i) => tf.variable(t.clone(), true, `adam_${tag}_${backend}_${i}`));
          const opt = make();
          let tensors = 0;
          for (let s = 0; s < grads.length; s++) {
            opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, grads[s]![i]!])));
            if (s === 0) tensors = tf.memory().numTensors; // after the slots were made
          }
          expect(tf.memory().numTensors, `${tag}: tensors per step`).to.equal(tensors);
          const names = (await opt.getWeights()).map((w) => w.name.replace(`adam_${tag}_${backend}_`, 'v'));
          const values = vars.map((v) => Array.from(v.dataSync()));
          opt.dispose();
          tf.dispose(vars);
          return { names, values };
        };
        const want = await runWith(() => tf.train.adam(0.01), 'tfjs');
        const got = await runWith(() => new Adam({ learningRate: 0.01 }), 'fets');
        expect(got.names).to.deep.equal(want.names);
        got.values.forEach((vs, i) => vs.forEach((v, j) => expect(v).to.be.closeTo(want.values[i]![j]!, 2e-6)));
        tf.dispose([...start, ...grads.flat()]);
      } finally {
        await tf.setBackend('cpu');
      }
    });
  }

  it("'adam' in build is fets' Adam, with Keras' defaults; it refuses an option it does not have", () => {
    const opt = makeOptimizer('adam');
    expect(opt).to.be.instanceOf(Adam);
    expect((opt as Adam).getConfig()).to.deep.equal({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(Adam.fromConfig(Adam, (opt as Adam).getConfig())).to.be.instanceOf(Adam);
    expect(() => new Adam({ weightDecay: 0.1 } as never)).to.throw(ConfigError, /Adam.*weightDecay/);
    opt.dispose();
  });
});
