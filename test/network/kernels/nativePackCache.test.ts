import os from 'node:os';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend, setKernelOverrides } from '@fets/network';
import { linearFused, nativeAddon } from '@fets/network/kernels';

const native = nativeAddon();

function fill(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

/** x·Wᵀ + b in float64. */
function reference(x: Float32Array, w: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = b[j]!;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * w[j * k + p]!;
      out[i * n + j] = s;
    }
  return out;
}

/** Makes the wasm heap grow (tensors of 16 MiB until its buffer is replaced); returns them for disposal. */
function growHeap(): tf.Tensor[] {
  const bytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
  const start = bytes();
  const held: tf.Tensor[] = [];
  while (bytes() === start && held.length < 256) held.push(tf.zeros([1 << 22]));
  expect(bytes()).to.be.greaterThan(start);
  return held;
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  let bad = -1;
  for (let j = 0; j < want.length && bad < 0; j++) if (!(Math.abs(got[j]! - want[j]!) <= 1e-4)) bad = j;
  expect(bad, `${what}: [${bad}] ${got[bad]} against ${want[bad]}`).to.equal(-1);
}

describe('native kernels: weights kept packed between inference products', function () {
  this.timeout(60000);
  before(async function () {
    if (!native) this.skip();
    await initBackend({ quiet: true });
    await tf.setBackend('wasm');
    setKernelOverrides(true);
  });
  after(() => native?.setThreads({ threads: os.availableParallelism() }));

  // [m, k, n]: a sentence (direct product), a batch (blocked), odd sizes, k above one block.
  const shapes: [number, number, number][] = [
    [7, 33, 19],
    [30, 256, 256],
    [300, 257, 97],
    [130, 1100, 40],
  ];

  it('packs once per weight tensor, reuses it, and follows new values, thread counts and a grown heap', () => {
    for (const [m, k, n] of shapes) {
      const x = fill(m * k, m + k);
      const b = fill(n, n);
      let w = fill(n * k, n + k);
      let wt = tf.tensor2d(w, [n, k]);
      const bt = tf.tensor1d(b);
      const product = () => tf.tidy(() => linearFused(tf.tensor2d(x, [m, k]), wt as tf.Tensor2D, bt)!.dataSync());
      const entries = native!.info().packedEntries;
      for (const threads of [1, 2, 3, 1]) {
        native!.setThreads({ threads });
        close(product(), reference(x, w, b, m, k, n), `[${m},${k},${n}] ${threads} thread(s)`);
        close(product(), reference(x, w, b, m, k, n), `[${m},${k},${n}] ${threads} thread(s), again`);
      }
      expect(native!.info().packedEntries).to.equal(entries + 1, 'one entry for one weight tensor');
      // New values, most likely at the same heap offset as the disposed ones: a new tensor, a new key.
      wt.dispose();
      w = fill(n * k, n + k + 1);
      wt = tf.tensor2d(w, [n, k]);
      close(product(), reference(x, w, b, m, k, n), `[${m},${k},${n}] new weights`);
      // The heap grows (every tensor moves to a new buffer): the kept copy is repacked from the new place.
      const held = growHeap();
      close(product(), reference(x, w, b, m, k, n), `[${m},${k},${n}] after the heap grew`);
      tf.dispose(held);
      wt.dispose();
      bt.dispose();
    }
  });

  it('keeps nothing for products under a gradient tape (training changes the weights every step)', () => {
    const entries = native!.info().packedEntries;
    const w = tf.variable(tf.tensor2d(fill(40 * 24, 5), [40, 24]));
    const x = tf.tensor2d(fill(8 * 24, 6), [8, 24]);
    const b = tf.zeros([40]);
    // As BERT's dense layer calls it in training: the fused product inside a custom gradient.
    const dense = tf.customGrad(((xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => ({
      value: linearFused(xs as tf.Tensor2D, ws as tf.Tensor2D, bs)!,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, ws as tf.Tensor2D),
        tf.matMul(dy as tf.Tensor2D, xs as tf.Tensor2D, true),
        tf.sum(dy as tf.Tensor, 0),
      ],
    })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.Tensor;
    const { value, grads } = tf.variableGrads(() => tf.sum(dense(x, w, b)) as tf.Scalar, [w]);
    value.dispose();
    expect(native!.info().packedEntries).to.equal(entries);
    tf.dispose([w, x, b, grads]);
  });

  it('gemmForget drops a kept copy; bad keys are refused by name', () => {
    const before = native!.info();
    const w = tf.tensor2d(fill(64 * 32, 7), [64, 32]);
    tf.tidy(() => linearFused(tf.ones([10, 32]), w, tf.zeros([64]))!.dataSync());
    const after = native!.info();
    expect(after.packedEntries).to.equal(before.packedEntries + 1);
    expect(after.packedBytes).to.be.greaterThan(before.packedBytes);
    // Forgetting every key empties the cache, this copy and what earlier tests left (whose bytes differ in size, so
    // forgetting only as many as were added could leave more bytes than before): entries and bytes both reach 0.
    for (let key = 1; key < 1_000_000 && native!.info().packedEntries > 0; key++) native!.gemmForget({ key });
    expect(native!.info()).to.include({ packedEntries: 0, packedBytes: 0 });
    expect(() => native!.gemmForget({ key: 0 })).to.throw(RangeError, /gemmForget: key must be an integer from 1/);
    w.dispose();
  });
});
