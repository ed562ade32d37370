import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, FetsError, NDArray, OpError, type DataDict } from '@fets/pipeline';
import {
  Argmax,
  Average,
  Delete,
  Fuse,
  LambdaOp,
  ModelOp,
  Network,
  OneOf,
  Permute,
  Repeat,
  Reshape,
  Sometimes,
  Transpose,
  build,
  clipByGlobalNorm,
  feedForward,
  functionModel,
  makeStepState,
  type TensorOp,
} from '@fets/network';

const st = (mode: 'train' | 'eval' | 'infer' = 'train', random = Math.random) => makeStepState({ mode, random });
const arr = (t: unknown) => Array.from((t as tf.Tensor).dataSync());

/** Runs one op on a dict of arrays inside a tidy and returns the new dict's values as arrays/shapes. */
function apply(op: TensorOp, data: Record<string, tf.Tensor>, state = st()) {
  return tf.tidy(() => {
    const d: DataDict = { ...data };
    op.apply(d, state);
    const out: Record<string, { shape: number[]; values: number[] }> = {};
    for (const [k, v] of Object.entries(d)) out[k] = { shape: (v as tf.Tensor).shape, values: arr(v) };
    return out;
  });
}

describe('network/ops: tensor ops', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('LambdaOp passes inputs as arguments (and the state last)', () => {
    const x = tf.tensor([1, 2, 3]);
    const y = tf.tensor([10, 20, 30]);
    const sum = new LambdaOp({ fn: (a: tf.Tensor, b: tf.Tensor) => tf.add(a, b), inputs: ['x', 'y'], outputs: 's' });
    expect(apply(sum, { x, y }).s!.values).to.deep.equal([11, 22, 33]);
    const two = new LambdaOp({ fn: (a: tf.Tensor) => [tf.neg(a), tf.mul(a, 2)], inputs: 'x', outputs: ['n', 'd'] });
    const r = apply(two, { x });
    expect(r.n!.values).to.deep.equal([-1, -2, -3]);
    expect(r.d!.values).to.deep.equal([2, 4, 6]);
    const mode = new LambdaOp({
      fn: (_a: tf.Tensor, s: { mode: string }) => tf.scalar(s.mode === 'eval' ? 1 : 0),
      inputs: 'x',
      outputs: 'm',
    });
    expect(apply(mode, { x }, st('eval')).m!.values).to.deep.equal([1]);
    expect(() => new LambdaOp({ fn: 3 as never, inputs: 'x', outputs: 'y' })).to.throw(ConfigError, /fn: expected a function/);
    tf.dispose([x, y]);
  });

  it('Delete removes keys', () => {
    const x = tf.tensor([1]);
    const r = apply(new Delete({ inputs: ['x'] }), { x, y: x });
    expect(Object.keys(r)).to.deep.equal(['y']);
    x.dispose();
  });

  it('Reshape (with -1), Argmax, Average, Permute/Transpose', () => {
    const x = tf.tensor([1, 5, 2, 9, 0, 3], [2, 3]);
    expect(apply(new Reshape({ inputs: 'x', outputs: 'r', shape: [3, -1] }), { x }).r!.shape).to.deep.equal([3, 2]);
    expect(() => apply(new Reshape({ inputs: 'x', outputs: 'r', shape: [4, -1] }), { x })).to.throw(
      OpError,
      /Reshape \(key "x"\): cannot reshape \[2, 3\]/,
    );
    expect(() => new Reshape({ inputs: 'x', outputs: 'r', shape: [-1, -1] })).to.throw(ConfigError, /at most one dimension may be -1/);
    expect(new Reshape({ inputs: 'x', outputs: 'r', shape: [-1] }).modes).to.deep.equal(new Set(['train', 'eval', 'test']));
    expect(apply(new Argmax({ inputs: 'x', outputs: 'a' }), { x }).a!.values).to.deep.equal([1, 0]);
    expect(apply(new Argmax({ inputs: 'x', outputs: 'a', axis: 0 }), { x }).a!.values).to.deep.equal([1, 0, 1]);
    const y = tf.tensor([3, 1, 0, 1, 2, 1], [2, 3]);
    expect(apply(new Average({ inputs: ['x', 'y'], outputs: 'm' }), { x, y }).m!.values).to.deep.equal([2, 3, 1, 5, 1, 2]);
    const p = apply(new Permute({ inputs: 'x', outputs: 't', perm: [1, 0] }), { x }).t!;
    expect(p.shape).to.deep.equal([3, 2]);
    expect(p.values).to.deep.equal([1, 9, 5, 0, 2, 3]);
    expect(new Transpose({ inputs: 'x', outputs: 't', perm: [1, 0] }).name).to.equal('Transpose');
    expect(() => new Permute({ inputs: 'x', outputs: 't', perm: [0, 0] })).to.throw(ConfigError, /permutation of 0..1/);
    expect(() => apply(new Permute({ inputs: 'x', outputs: 't', perm: [0, 2, 1] }), { x })).to.throw(OpError, /rank-2 tensor/);
    tf.dispose([x, y]);
  });

  it('Sometimes runs its op with probability prob, keeps the old value otherwise, and counts outputs as inputs', () => {
    const neg = new LambdaOp({ fn: (a: tf.Tensor) => tf.neg(a), inputs: 'x', outputs: 'y', mode: 'train' });
    const op = new Sometimes({ op: neg, prob: 0.3 });
    expect(op.inputs).to.deep.equal(['x', 'y']);
    expect(op.modes).to.deep.equal(new Set(['train']));
    const x = tf.tensor([2]);
    const y = tf.tensor([7]);
    expect(
      apply(
        op,
        { x, y },
        st('train', () => 0.1),
      ).y!.values,
    ).to.deep.equal([-2]);
    expect(
      apply(
        op,
        { x, y },
        st('train', () => 0.9),
      ).y!.values,
    ).to.deep.equal([7]);
    tf.dispose([x, y]);
  });

  it('OneOf picks one op uniformly; ops must share keys and modes', () => {
    const a = new LambdaOp({ fn: (v: tf.Tensor) => tf.add(v, 1), inputs: 'x', outputs: 'x' });
    const b = new LambdaOp({ fn: (v: tf.Tensor) => tf.add(v, 2), inputs: 'x', outputs: 'x' });
    const op = new OneOf(a, b);
    const x = tf.tensor([0]);
    expect(
      apply(
        op,
        { x },
        st('train', () => 0.2),
      ).x!.values,
    ).to.deep.equal([1]);
    expect(
      apply(
        op,
        { x },
        st('train', () => 0.7),
      ).x!.values,
    ).to.deep.equal([2]);
    expect(() => new OneOf(a, new LambdaOp({ fn: (v: tf.Tensor) => v, inputs: 'x', outputs: 'z' }))).to.throw(
      FetsError,
      /same inputs and outputs/,
    );
    expect(() => new OneOf(a, new LambdaOp({ fn: (v: tf.Tensor) => v, inputs: 'x', outputs: 'x', mode: 'eval' }))).to.throw(
      FetsError,
      /same modes/,
    );
    x.dispose();
  });

  it('Repeat applies its op n times; Fuse chains ops and exposes outside inputs / all outputs', () => {
    const dbl = new LambdaOp({ fn: (v: tf.Tensor) => tf.mul(v, 2), inputs: 'x', outputs: 'x' });
    const x = tf.tensor([3]);
    expect(apply(new Repeat({ op: dbl, repeat: 3 }), { x }).x!.values).to.deep.equal([24]);
    expect(() => new Repeat({ op: new LambdaOp({ fn: (v: tf.Tensor) => v, inputs: 'x', outputs: 'y' }), repeat: 2 })).to.throw(
      FetsError,
      /must write only keys it reads/,
    );
    const f = new Fuse([
      new LambdaOp({ fn: (v: tf.Tensor) => tf.add(v, 1), inputs: 'x', outputs: 'a' }),
      new LambdaOp({ fn: (v: tf.Tensor, w: tf.Tensor) => tf.mul(v, w), inputs: ['a', 'w'], outputs: 'b' }),
    ]);
    expect(f.inputs).to.deep.equal(['x', 'w']);
    expect(f.outputs).to.deep.equal(['a', 'b']);
    const w = tf.tensor([10]);
    const r = apply(f, { x, w });
    expect(r.b!.values).to.deep.equal([40]);
    expect(() => new Fuse([dbl, new LambdaOp({ fn: (v: tf.Tensor) => v, inputs: 'x', outputs: 'x', mode: 'eval' })])).to.throw(
      FetsError,
      /same modes/,
    );
    tf.dispose([x, w]);
  });

  it('meta ops keep their inner ops in the graph and respect mode inside a Network', async () => {
    const w = tf.variable(tf.tensor([[2]]), true, 'meta_w');
    const model = build(functionModel({ name: 'meta', call: ([v]) => tf.matMul(v!, w), variables: [w] }), 'sgd');
    const network = new Network([
      new Fuse([
        new LambdaOp({ fn: (v: tf.Tensor) => tf.add(v, 1), inputs: 'x', outputs: 'x1', mode: 'train' }),
        new LambdaOp({ fn: (v: tf.Tensor) => tf.mul(v, 3), inputs: 'x1', outputs: 'x2', mode: 'train' }),
      ]),
      new ModelOp({ model, inputs: 'x', outputs: 'y' }),
    ]);
    expect(network.producedKeys('train')).to.deep.equal(['x1', 'x2', 'y']);
    expect(network.producedKeys('eval')).to.deep.equal(['y']);
    const out = await network.runStep({ x: NDArray.from([[1]], 'float32') }, { mode: 'train' }, ['x2', 'y']);
    expect(Array.from((out.x2 as NDArray).data as Float32Array)).to.deep.equal([6]);
    const ev = await network.runStep({ x: NDArray.from([[1]], 'float32') }, { mode: 'eval' });
    expect(Object.keys(ev)).to.deep.equal(['y']);
    model.dispose();
  });
});

describe('network/ops: ModelOp and feedForward', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('training is true only in train mode when trainable', () => {
    const seen: boolean[] = [];
    const w = tf.variable(tf.tensor([1]), true, 'mo_w');
    const model = functionModel({
      name: 'spy',
      call: ([x], training) => {
        seen.push(training);
        return tf.mul(x!, w);
      },
      variables: [w],
    });
    const x = tf.tensor([1]);
    apply(new ModelOp({ model, inputs: 'x', outputs: 'y' }), { x }, st('train'));
    apply(new ModelOp({ model, inputs: 'x', outputs: 'y' }), { x }, st('eval'));
    apply(new ModelOp({ model, inputs: 'x', outputs: 'y', trainable: false }), { x }, st('train'));
    expect(seen).to.deep.equal([true, false, false]);
    tf.dispose([x, w]);
  });

  it('runs a LayersModel with several inputs, and exposes intermediate layers', () => {
    const a = tf.input({ shape: [2] });
    const b = tf.input({ shape: [2] });
    const h = tf.layers
      .dense({ units: 3, name: 'hidden', kernelInitializer: 'ones' })
      .apply(tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const o = tf.layers.dense({ units: 1, name: 'head', kernelInitializer: 'ones' }).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [a, b], outputs: o });
    const x1 = tf.tensor([[1, 2]]);
    const x2 = tf.tensor([[3, 4]]);
    const r = apply(new ModelOp({ model, inputs: ['x1', 'x2'], outputs: ['y', 'h'], intermediateLayers: 'hidden' }), { x1, x2 });
    expect(r.h!.values).to.deep.equal([10, 10, 10]);
    expect(r.y!.values).to.deep.equal([30]);
    expect(() => new ModelOp({ model, inputs: 'x1', outputs: ['y', 'h'], intermediateLayers: 'hiden' })).to.throw(
      ConfigError,
      /has no layer "hiden"/,
    );
    expect(() => apply(new ModelOp({ model, inputs: ['x1', 'x2'], outputs: ['y', 'z'] }), { x1, x2 })).to.throw(
      OpError,
      /produced 1 output\(s\), but 2 output key\(s\)/,
    );
    const ff = feedForward(model, [NDArray.from([[1, 2]], 'float32'), x2]) as tf.Tensor;
    expect(arr(ff)).to.deep.equal([30]);
    tf.dispose([x1, x2, ff]);
    model.dispose();
  });

  it('clipByGlobalNorm: closed form, nulls kept', () => {
    const out = clipByGlobalNorm([tf.tensor([3, 4]), null, tf.tensor([12])], 6.5);
    expect(arr(out[0])).to.deep.equal([1.5, 2]);
    expect(out[1]).to.equal(null);
    expect(arr(out[2])[0]).to.be.closeTo(6, 1e-6);
    tf.dispose(out.filter((t): t is tf.Tensor => t !== null));
  });
});
