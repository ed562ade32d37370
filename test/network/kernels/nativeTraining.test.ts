import os from 'node:os';
import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { bertForTokenClassification, dropoutSeeded, initBackend, setKernelOverrides } from '@fets/network';
import { attentionTrainFused, nativeAddon } from '@fets/network/kernels';

const native = nativeAddon();
const FLOAT32_MIN = -3.4028234663852886e38;

function fill(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** max |a − b| / max(floor, max |b|). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  expect(a.length).to.equal(b.length);
  let m = 0;
  let s = floor;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return m / s;
}

/** Runs fn on `backend`, then switches back to wasm. */
async function on<T>(backend: string, fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  try {
    return fn();
  } finally {
    await tf.setBackend('wasm');
  }
}

/**
 * BERT's composed attention (architectures/bert/bertModel.ts before fusion): head transposes, batched products, the
 * additive mask, softmax over [B, heads·L, L], tf.dropout(probs, rate, undefined, seed), the product with V.
 */
function composed(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  mask: tf.Tensor | undefined,
  B: number,
  L: number,
  nh: number,
  rate: number,
  seed: number,
) {
  const H = q.shape[1];
  const d = H / nh;
  const heads = (x: tf.Tensor2D, perm: number[], shape: [number, number, number]) =>
    tf.reshape(tf.transpose(tf.reshape(x, [B, L, nh, d]), perm), shape) as tf.Tensor3D;
  const qh = heads(q, [0, 2, 1, 3], [B * nh, L, d]);
  const kh = heads(k, [0, 2, 3, 1], [B * nh, d, L]);
  const vh = heads(v, [0, 2, 1, 3], [B * nh, L, d]);
  let scores = tf.reshape(tf.div(tf.matMul(qh, kh), Math.sqrt(d)), [B, nh * L, L]);
  if (mask) scores = tf.add(scores, mask);
  let probs = tf.softmax(scores, -1);
  if (rate > 0) probs = tf.dropout(probs, rate, undefined, seed);
  const ctx3 = tf.matMul(tf.reshape(probs, [B * nh, L, L]) as tf.Tensor3D, vh);
  return tf.reshape(tf.transpose(tf.reshape(ctx3, [B, nh, L, d]), [0, 2, 1, 3]), [B * L, H]) as tf.Tensor2D;
}

interface AttnCase {
  B: number;
  L: number;
  nh: number;
  d: number;
  rate: number;
  seed: number;
  padded: boolean;
}

/** Context and the gradients of Σ ctx ⊙ w with respect to q, k, v. */
function attentionAndGrads(c: AttnCase, fused: boolean): Float32Array[] {
  const H = c.nh * c.d;
  const n = c.B * c.L * H;
  return tf.tidy(() => {
    const [q, k, v] = [1, 2, 3].map((i) => tf.tensor2d(fill(n, i * 7 + c.L, 2), [c.B * c.L, H]));
    const w = tf.tensor2d(fill(n, 11 + c.d), [c.B * c.L, H]);
    // Padding: the last third of every other sequence's keys masked as BERT does.
    const m = new Float32Array(c.B * c.L).map((_, i) =>
      c.padded && Math.floor(i / c.L) % 2 === 0 && i % c.L >= Math.ceil((2 * c.L) / 3) ? FLOAT32_MIN : 0,
    );
    const mask = c.padded ? tf.tensor3d(m, [c.B, 1, c.L]) : undefined;
    const f = (qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor) => {
      const ctx = fused
        ? attentionTrainFused(qi as tf.Tensor2D, ki as tf.Tensor2D, vi as tf.Tensor2D, mask, c.L, c.nh, c.rate, () => c.seed)
        : composed(qi as tf.Tensor2D, ki as tf.Tensor2D, vi as tf.Tensor2D, mask, c.B, c.L, c.nh, c.rate, c.seed);
      expect(ctx, 'the fused training kernels are registered').to.not.equal(undefined);
      return ctx!;
    };
    const ctx = f(q!, k!, v!);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, cc: tf.Tensor) => tf.sum(tf.mul(f(a, b, cc), w)))([q!, k!, v!]);
    return [ctx, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

describe('native kernels: training attention with its gradient, parallel dropout masks, column sums', function () {
  this.timeout(300000);
  before(async function () {
    if (!native) this.skip();
    await initBackend({ quiet: true });
    await tf.setBackend('wasm');
    setKernelOverrides(true);
  });
  afterEach(() => native?.setThreads({ threads: os.availableParallelism() }));

  it("dropout masks equal tf.dropout's on the cpu backend bit for bit, any size, rate, seed, 1-3 threads (fast-check)", async () => {
    const cases = fc.sample(
      fc.record({
        n: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 32000, max: 70000 }), fc.constant(32768 * 3 + 1)),
        rate: fc.oneof(fc.double({ min: 0.01, max: 0.95, noNaN: true }), fc.constantFrom(0.1, 0.5)),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      }),
      { numRuns: 24, seed: 30 },
    );
    const want = await on('cpu', () =>
      cases.map((c) => tf.tidy(() => tf.dropout(tf.ones([c.n]), c.rate, undefined, c.seed).dataSync() as Float32Array)),
    );
    for (const threads of [1, 2, 3]) {
      native!.setThreads({ threads });
      cases.forEach((c, i) => {
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => dropoutSeeded(tf.ones([c.n]), c.rate, c.seed).dataSync() as Float32Array);
        expect(tf.memory().numTensors).to.equal(before);
        expect(
          Buffer.from(got.buffer).equals(Buffer.from(want[i]!.buffer)),
          `n ${c.n} rate ${c.rate} seed ${c.seed}, ${threads} thread(s)`,
        ).to.equal(true);
      });
    }
  });

  // Odd lengths and widths, one token, BERT-mini's shape; dropout off and on (the mask must be tf.dropout's).
  const cases: AttnCase[] = [
    { B: 1, L: 1, nh: 1, d: 1, rate: 0, seed: 0, padded: false },
    { B: 2, L: 7, nh: 3, d: 5, rate: 0.1, seed: 5, padded: true },
    { B: 3, L: 33, nh: 2, d: 13, rate: 0.3, seed: 77, padded: true },
    { B: 2, L: 64, nh: 4, d: 64, rate: 0.1, seed: 12345, padded: true },
    { B: 1, L: 97, nh: 1, d: 17, rate: 0, seed: 0, padded: true },
  ];
  for (const threads of [1, 2, 3]) {
    it(`attention and its q, k, v gradients equal the composed tfjs path on the cpu backend (masks, dropout), ${threads} thread(s)`, async () => {
      native!.setThreads({ threads });
      for (const c of cases) {
        const want = await on('cpu', () => attentionAndGrads(c, false));
        const before = tf.memory().numTensors;
        const got = attentionAndGrads(c, true);
        expect(tf.memory().numTensors).to.equal(before, 'tensors leaked');
        ['context', 'dq', 'dk', 'dv'].forEach((name, i) => {
          expect(relDiff(got[i]!, want[i]!), `${name} ${JSON.stringify(c)}`).to.be.below(2e-5);
        });
      }
    });
  }

  it('the gradient agrees with central finite differences (float64 loss, dropout on, padding)', () => {
    native!.setThreads({ threads: 2 });
    const c: AttnCase = { B: 2, L: 9, nh: 2, d: 3, rate: 0.2, seed: 4, padded: true };
    const H = c.nh * c.d;
    const n = c.B * c.L * H;
    const base = [1, 2, 3].map((i) => fill(n, i * 7 + c.L, 2));
    const w = fill(n, 11 + c.d);
    const mask = tf.tensor3d(
      new Float32Array(c.B * c.L).map((_, i) => (i < c.L && i % c.L >= 6 ? FLOAT32_MIN : 0)),
      [c.B, 1, c.L],
    );
    const loss = (xs: Float32Array[]): number =>
      tf.tidy(() => {
        const [q, k, v] = xs.map((x) => tf.tensor2d(x, [c.B * c.L, H]));
        const ctx = attentionTrainFused(q!, k!, v!, mask, c.L, c.nh, c.rate, () => c.seed)!.dataSync();
        let s = 0;
        for (let i = 0; i < n; i++) s += ctx[i]! * w[i]!;
        return s;
      });
    const grads = tf.tidy(() => {
      const wt = tf.tensor2d(w, [c.B * c.L, H]);
      const ts = base.map((x) => tf.tensor2d(x, [c.B * c.L, H]));
      return tf
        .grads((a: tf.Tensor, b: tf.Tensor, cc: tf.Tensor) =>
          tf.sum(
            tf.mul(attentionTrainFused(a as tf.Tensor2D, b as tf.Tensor2D, cc as tf.Tensor2D, mask, c.L, c.nh, c.rate, () => c.seed)!, wt),
          ),
        )(ts)
        .map((t) => t.dataSync() as Float32Array);
    });
    const eps = 1e-2;
    for (let which = 0; which < 3; which++) {
      for (const i of [0, 5, 17, 40, n - 1]) {
        const plus = base.map((x) => x.slice());
        const minus = base.map((x) => x.slice());
        plus[which]![i]! += eps;
        minus[which]![i]! -= eps;
        const fd = (loss(plus) - loss(minus)) / (2 * eps);
        expect(Math.abs(fd - grads[which]![i]!), `input ${which} element ${i}: fd ${fd} vs ${grads[which]![i]}`).to.be.below(
          2e-3 * Math.max(1, Math.abs(fd)),
        );
      }
    }
    mask.dispose();
  });

  it('a BERT training step with dropout gives the same loss and gradients with the native kernels on and off', () => {
    const model = bertForTokenClassification({
      vocabSize: 60,
      hiddenSize: 24,
      numHiddenLayers: 2,
      numAttentionHeads: 3,
      intermediateSize: 40,
      maxPositionEmbeddings: 16,
      numLabels: 5,
      hiddenDropoutProb: 0.1,
      attentionProbsDropoutProb: 0.1,
      seed: 3,
    });
    const ids = tf.tensor2d([1, 5, 9, 13, 40, 2, 7, 0, 3, 33, 21, 8, 0, 0], [2, 7], 'int32');
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 7], 'int32');
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.square(model.call([ids, mask], true) as tf.Tensor)) as tf.Scalar,
          model.trainableWeights(),
        );
        return [value, ...Object.values(grads)].map((t) => t.dataSync() as Float32Array);
      });
    try {
      const state = model.getRandomState();
      const before = tf.memory().numTensors;
      const fused = step();
      expect(tf.memory().numTensors).to.equal(before, 'tensors leaked');
      model.setRandomState(state);
      setKernelOverrides({ Native: false });
      const plain = step();
      setKernelOverrides({ Native: true });
      for (let i = 0; i < fused.length; i++) expect(relDiff(fused[i]!, plain[i]!), `output ${i}`).to.be.below(1e-4);
    } finally {
      setKernelOverrides({ Native: true });
      tf.dispose([ids, mask]);
      model.dispose();
    }
  });

  it('column sums (bias gradients) are within float32 rounding of float64 and the same bits on 1-3 threads', () => {
    for (const [rows, cols] of [
      [8, 1],
      [9, 7],
      [2048, 256],
      [2048, 1024],
      [1001, 33],
      [37, 30522],
    ] as const) {
      const x = fill(rows * cols, rows + cols, 3);
      const want = new Float64Array(cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[c] += x[r * cols + c]!;
      let first: Float32Array | undefined;
      for (const threads of [1, 2, 3]) {
        native!.setThreads({ threads });
        const [bySum, byOnes] = tf.tidy(() => {
          const t = tf.tensor2d(x, [rows, cols]);
          return [tf.sum(t, 0), tf.matMul(tf.ones([1, rows]), t)].map((s) => s.dataSync() as Float32Array);
        });
        expect(relDiff(bySum!, want), `[${rows}, ${cols}]`).to.be.below(1e-5);
        expect(Buffer.from(byOnes!.buffer).equals(Buffer.from(bySum!.buffer)), 'ones·x is the column sum').to.equal(true);
        first ??= bySum;
        expect(Buffer.from(bySum!.buffer).equals(Buffer.from(first!.buffer)), `[${rows}, ${cols}] ${threads} threads`).to.equal(true);
      }
    }
  });
});
