import os from 'node:os';
import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { Int8Weights, initBackend, int8Linear, quantizeInt8, roundHalfEven, setKernelOverrides } from '@fets/network';
import { nativeAddon } from '@fets/network/kernels';

const native = nativeAddon();

/** A seeded generator of floats in [−1, 1). */
function fill(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  });
}

/** Seeded integers in [lo, hi]. */
function ints(n: number, seed: number, lo: number, hi: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return lo + (s % (hi - lo + 1));
  });
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

/**
 * The kernel's float path written out in float32: x quantized per row (sx = max|x|/qmax, q = round-half-even(x·qmax/max|x|)),
 * the integer product, then fround(sum · fround(sx·sw)) + b.
 */
function int8Reference(
  x: Float32Array,
  m: number,
  k: number,
  w: ReturnType<typeof quantizeInt8>,
  b: Float32Array,
  qmax: number,
): Float32Array {
  const out = new Float32Array(m * w.n);
  for (let i = 0; i < m; i++) {
    const row = x.subarray(i * k, (i + 1) * k);
    let amax = 0;
    for (const v of row) amax = Math.max(amax, Math.abs(v));
    const inv = amax > 0 ? Math.fround(qmax / amax) : 0;
    const sx = Math.fround(amax / qmax);
    const q = Array.from(row, (v) => Math.max(-qmax, Math.min(qmax, roundHalfEven(Math.fround(v * inv)))));
    for (let j = 0; j < w.n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += q[p]! * w.q[j * k + p]!;
      out[i * w.n + j] = Math.fround(Math.fround(Math.fround(s) * Math.fround(sx * w.scales[j]!)) + b[j]!);
    }
  }
  return out;
}

/**
 * The bound of |int8 − float32| for one output (docs/int8.md): with x = sx·(qx + ex), w = sw·(qw + ew), |e| ≤ ½,
 * |Σ x·w − sx·sw·Σ qx·qw| ≤ ½·(sw·Σ|x| + sx·Σ|w|) + ¾·k·sx·sw, plus float32 rounding of both sums (≤ 2k·2⁻²⁴·Σ|x·w| + a margin).
 */
function bound(x: Float32Array, wf: Float32Array, sw: number, sx: number, k: number, i: number, j: number): number {
  let ax = 0;
  let aw = 0;
  let axw = 0;
  for (let p = 0; p < k; p++) {
    ax += Math.abs(x[i * k + p]!);
    aw += Math.abs(wf[j * k + p]!);
    axw += Math.abs(x[i * k + p]! * wf[j * k + p]!);
  }
  return 0.5 * (sw * ax + sx * aw) + 0.75 * k * sx * sw + 2 * k * 2 ** -24 * axw + 1e-6;
}

describe('int8 GEMM (native): integer products, the float path, the bound against float32', function () {
  this.timeout(120000);
  before(async function () {
    if (!native) this.skip();
    await initBackend({ quiet: true });
    await tf.setBackend('wasm');
    setKernelOverrides(true);
  });
  after(() => {
    native?.setThreads({ threads: os.availableParallelism() });
    native?.int8SetKernel({ name: '' });
  });

  // m, n, k: none a multiple of any tile (MR 4 or 6, NR 16, k groups of 2 or 4), plus one of each exactly.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [5, 17, 3],
    [7, 33, 301],
    [13, 16, 64],
    [67, 45, 130],
    [130, 97, 513],
  ];

  it('every kernel, 1-3 threads: int32 accumulators equal a brute-force integer product (extremes included)', () => {
    for (const kernel of native!.int8Info().kernels) {
      native!.int8SetKernel({ name: kernel });
      const amax = 2 * native!.int8Info().qmax + 1;
      for (const [m, n, k] of shapes) {
        const q = Int8Array.from(ints(n * k, n * k + 1, -127, 127));
        for (let e = 0; e < q.length; e += 5) q[e] = e % 2 ? 127 : -127;
        const a = Uint8Array.from(ints(m * k, m * k + 7, 0, amax));
        for (let e = 0; e < a.length; e += 3) a[e] = amax;
        const w8 = Int8Weights.pack(q, new Float32Array(n).fill(1), n, k);
        const want = new Int32Array(m * n);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < k; p++) s += a[i * k + p]! * q[j * k + p]!;
            want[i * n + j] = s;
          }
        for (const threads of [1, 2, 3]) {
          native!.setThreads({ threads });
          const cAt = Math.ceil((m * k) / 4) * 4;
          const heap = new Uint8Array(cAt + 4 * m * n + 4);
          heap.set(a, 0);
          new Int32Array(heap.buffer, cAt + 4 * m * n, 1)[0] = 42;
          native!.int8GemmRaw(heap, { a: 0, c: cAt, m, n, k, handle: w8.handle });
          const got = new Int32Array(heap.buffer, cAt, m * n);
          const bad = got.findIndex((v, e) => v !== want[e]);
          expect(bad, `${kernel} [${m}, ${n}, ${k}] ${threads} thread(s): c[${bad}] ${got[bad]} vs ${want[bad]}`).to.equal(-1);
          expect(new Int32Array(heap.buffer, cAt + 4 * m * n, 1)[0], 'nothing written past c').to.equal(42);
        }
        w8.dispose();
      }
    }
  });

  it('every kernel, 1-3 threads, bias and GELU: the float path equals the quantization written out in float32', () => {
    for (const kernel of native!.int8Info().kernels) {
      native!.int8SetKernel({ name: kernel });
      const qmax = native!.int8Info().qmax;
      for (const [m, n, k] of shapes) {
        const x = fill(m * k, m + k, 3);
        if (m > 2) x.fill(0, k, 2 * k); // an all-zero row: scale 0, the bias alone
        const wq = quantizeInt8(fill(n * k, n * k, 0.2), n, k);
        const b = fill(n, n + 1);
        const w8 = Int8Weights.pack(wq.q, wq.scales, n, k);
        const want = int8Reference(x, m, k, wq, b, qmax);
        for (const threads of [1, 2, 3]) {
          native!.setThreads({ threads });
          const got = tf.tidy(() => int8Linear(tf.tensor2d(x, [m, k]), w8, tf.tensor1d(b)).dataSync());
          const bad = got.findIndex((v, e) => v !== want[e]);
          expect(bad, `${kernel} [${m}, ${n}, ${k}] ${threads} thread(s): y[${bad}] ${got[bad]} vs ${want[bad]}`).to.equal(-1);
          const gelu = tf.tidy(() => int8Linear(tf.tensor2d(x, [m, k]), w8, tf.tensor1d(b), 'gelu').dataSync());
          const ref = tf.tidy(() =>
            tf.mul(tf.mul(tf.tensor1d(want), 0.5), tf.add(1, tf.erf(tf.div(tf.tensor1d(want), Math.SQRT2)))).dataSync(),
          );
          const badGelu = gelu.findIndex((v, e) => !(Math.abs(v - ref[e]!) <= 1e-5 * (1 + Math.abs(ref[e]!))));
          expect(badGelu, `${kernel} gelu y[${badGelu}] ${gelu[badGelu]} vs ${ref[badGelu]}`).to.equal(-1);
        }
        w8.dispose();
      }
    }
  });

  it('int8 against float32 within the derived bound (property: shapes, scales, outliers)', () => {
    native!.int8SetKernel({ name: '' });
    const qmax = native!.int8Info().qmax;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 300 }),
        fc.double({ min: 1e-3, max: 100, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        (m, n, k, scale, seed, outlier) => {
          const x = fill(m * k, seed, scale);
          if (outlier) x[seed % (m * k)] = 50 * scale; // one token with an outlier feature
          const wf = fill(n * k, seed + 1, 0.1);
          const wq = quantizeInt8(wf, n, k);
          const w8 = Int8Weights.pack(wq.q, wq.scales, n, k);
          const got = tf.tidy(() => int8Linear(tf.tensor2d(x, [m, k]), w8, undefined).dataSync());
          w8.dispose();
          for (let i = 0; i < m; i++) {
            let amax = 0;
            for (let p = 0; p < k; p++) amax = Math.max(amax, Math.abs(x[i * k + p]!));
            const sx = amax / qmax;
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) s += x[i * k + p]! * wf[j * k + p]!;
              const err = Math.abs(got[i * n + j]! - s);
              const limit = bound(x, wf, wq.scales[j]!, sx, k, i, j);
              if (!(err <= limit)) throw new Error(`[${m}, ${n}, ${k}] y[${i}, ${j}]: |${got[i * n + j]} − ${s}| = ${err} > ${limit}`);
            }
          }
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it('after the wasm heap grew, on 1-3 threads: the same outputs', () => {
    native!.int8SetKernel({ name: '' });
    const [m, n, k] = [67, 45, 130];
    const x = fill(m * k, 3, 2);
    const wq = quantizeInt8(fill(n * k, 4, 0.2), n, k);
    const b = fill(n, 5);
    const w8 = Int8Weights.pack(wq.q, wq.scales, n, k);
    const run = () => tf.tidy(() => int8Linear(tf.tensor2d(x, [m, k]), w8, tf.tensor1d(b)).dataSync());
    const before = run();
    const held = growHeap();
    try {
      for (const threads of [1, 2, 3]) {
        native!.setThreads({ threads });
        expect(Array.from(run())).to.deep.equal(Array.from(before));
      }
    } finally {
      for (const t of held) t.dispose();
      w8.dispose();
    }
  });

  it('refuses bad arguments by name: −128, an unknown handle, shapes that do not fit, an operand past the heap', () => {
    const q = new Int8Array(6).fill(1);
    q[4] = -128;
    expect(() => Int8Weights.pack(q, new Float32Array(2), 2, 3)).to.throw(/int8Pack: q\[4\] is −128/);
    const w8 = Int8Weights.pack(new Int8Array(6), new Float32Array(2), 2, 3);
    const heap = new Uint8Array(64);
    expect(() => native!.int8Linear(heap, { x: 0, y: 32, m: 1, n: 2, k: 3, handle: 999999 })).to.throw(
      /int8Linear: handle 999999 names no int8 weights/,
    );
    expect(() => native!.int8Linear(heap, { x: 0, y: 32, m: 1, n: 2, k: 4, handle: w8.handle })).to.throw(
      /holds \[2, 3\] weights, the call gives n 2, k 4/,
    );
    expect(() => native!.int8Linear(heap, { x: 0, y: 60, m: 1, n: 2, k: 3, handle: w8.handle })).to.throw(
      /int8Linear: y \(2 floats at byte 60\) is outside the heap of 64 bytes/,
    );
    expect(() => tf.tidy(() => int8Linear(tf.zeros([2, 4]) as tf.Tensor2D, w8, undefined))).to.throw(
      /int8Linear: x: expected float32 \[M, 3\], received float32 \[2, 4\]/,
    );
    const handle = w8.handle;
    w8.dispose();
    expect(() => native!.int8Linear(heap, { x: 0, y: 32, m: 1, n: 2, k: 3, handle })).to.throw(/names no int8 weights/);
    expect(() => w8.handle).to.throw(/used after dispose/);
  });
});
