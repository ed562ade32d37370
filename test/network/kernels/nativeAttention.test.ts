import os from 'node:os';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend, layerNormLastAxis, setKernelOverrides } from '@fets/network';
import { addLayerNorm, attentionFused, nativeAddon } from '@fets/network/kernels';

const native = nativeAddon();

function fill(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** The first index where |got − want| exceeds tol(want), or −1 (one assertion per array: chai per element is slow). */
function firstMiss(got: ArrayLike<number>, want: ArrayLike<number>, tol: (w: number) => number): number {
  if (got.length !== want.length) return 0;
  for (let j = 0; j < want.length; j++) if (!(Math.abs(got[j]! - want[j]!) <= tol(want[j]!))) return j;
  return -1;
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

/** Attention by its definition in float64: per sequence b and head h, softmax(q·kᵀ·scale + mask)·v. */
function referenceAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: Float32Array | undefined,
  B: number,
  L: number,
  heads: number,
  d: number,
): Float64Array {
  const H = heads * d;
  const out = new Float64Array(B * L * H);
  const scale = 1 / Math.sqrt(d);
  const s = new Float64Array(L);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < L; i++) {
        let mx = -Infinity;
        for (let t = 0; t < L; t++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[(b * L + i) * H + h * d + c]! * k[(b * L + t) * H + h * d + c]!;
          s[t] = dot * scale + (mask ? mask[b * L + t]! : 0);
          mx = Math.max(mx, s[t]!);
        }
        let sum = 0;
        for (let t = 0; t < L; t++) {
          s[t] = Math.exp(s[t]! - mx);
          sum += s[t]!;
        }
        for (let c = 0; c < d; c++) {
          let acc = 0;
          for (let t = 0; t < L; t++) acc += (s[t]! / sum) * v[(b * L + t) * H + h * d + c]!;
          out[(b * L + i) * H + h * d + c] = acc;
        }
      }
    }
  }
  return out;
}

describe('native kernels: fused attention and LayerNorm (against float64 and the WebAssembly kernels)', function () {
  this.timeout(120000);
  before(async function () {
    if (!native) this.skip();
    await initBackend({ quiet: true });
    await tf.setBackend('wasm');
    setKernelOverrides(true);
  });
  afterEach(() => native?.setThreads({ threads: os.availableParallelism() }));

  // [batch, seq, heads, headDim]: a token, odd lengths and widths (not multiples of a tile), BERT's shape, and a
  // sequence long enough (130² probabilities) that probs·V takes the blocked driver with V packed beforehand.
  const shapes: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [2, 7, 3, 5],
    [3, 33, 2, 13],
    [2, 64, 4, 64],
    [1, 97, 1, 17],
    [1, 130, 2, 24],
  ];
  for (const threads of [1, 2, 3]) {
    it(`attention equals softmax(Q·Kᵀ/√d + mask)·V per head, masked keys get 0, ${threads} thread(s)`, () => {
      native!.setThreads({ threads });
      for (const [B, L, heads, d] of shapes) {
        const H = heads * d;
        const q = fill(B * L * H, B + L, 2);
        const k = fill(B * L * H, L + H, 2);
        const v = fill(B * L * H, H + 7);
        // The mask BERT gives: 0 for kept keys, float32's lowest for padding (the last third of each sequence).
        const mask = new Float32Array(B * L).map((_, i) => (i % L >= Math.ceil((2 * L) / 3) ? -3.4028234663852886e38 : 0));
        for (const m of [undefined, mask]) {
          const before = tf.memory().numTensors;
          const got = tf.tidy(() => {
            const mt = m ? tf.tensor3d(m, [B, 1, L]) : undefined;
            const y = attentionFused(tf.tensor2d(q, [B * L, H]), tf.tensor2d(k, [B * L, H]), tf.tensor2d(v, [B * L, H]), mt, L, heads);
            expect(y, 'the fused kernel is registered').to.not.equal(undefined);
            return y!.dataSync() as Float32Array;
          });
          expect(tf.memory().numTensors).to.equal(before);
          const want = referenceAttention(q, k, v, m, B, L, heads, d);
          const j = firstMiss(got, want, () => 2e-5);
          expect(j, `[${B},${L},${heads},${d}] mask ${Boolean(m)}: got ${got[j]}, want ${want[j]}`).to.equal(-1);
        }
      }
    });

    it(`LayerNorm(x + residual) and its gradients equal the WebAssembly kernels, odd widths, ${threads} thread(s)`, () => {
      native!.setThreads({ threads });
      for (const [rows, h] of [
        [1, 1],
        [3, 7],
        [65, 33],
        [130, 256],
        [17, 771],
      ] as const) {
        const x = fill(rows * h, rows + h, 3);
        const r = fill(rows * h, rows * h + 1, 3);
        const g = fill(h, h + 2).map((u) => 1 + u / 2);
        const b = fill(h, h + 3);
        const dy = fill(rows * h, h + 4);
        const run = (fused: boolean) =>
          tf.tidy(() => {
            const [xt, rt, gt, bt] = [tf.tensor2d(x, [rows, h]), tf.tensor2d(r, [rows, h]), tf.tensor1d(g), tf.tensor1d(b)];
            const f = (a: tf.Tensor, c: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
              fused ? addLayerNorm(a, c, gg, bb, 1e-12) : layerNormLastAxis(tf.add(a, c), gg, bb, 1e-12);
            const y = f(xt, rt, gt, bt);
            const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
              tf.sum(tf.mul(f(a, c, gg, bb), tf.tensor2d(dy, [rows, h]))),
            )([xt, rt, gt, bt]);
            return [y, ...grads].map((t) => t.dataSync() as Float32Array);
          });
        const before = tf.memory().numTensors;
        const on = run(true);
        expect(tf.memory().numTensors).to.equal(before);
        setKernelOverrides({ Native: false });
        let off: Float32Array[];
        try {
          off = run(false);
        } finally {
          setKernelOverrides({ Native: true });
        }
        const names = ['y', 'dx', 'dresidual', 'dgamma', 'dbeta'];
        for (let o = 0; o < 5; o++) {
          const j = firstMiss(on[o]!, off[o]!, (w) => (o >= 3 ? 2e-6 * rows : 2e-5) * Math.max(1, Math.abs(w)));
          expect(j, `[${rows},${h}] ${names[o]}[${j}]: ${on[o]![j]} against ${off[o]![j]}`).to.equal(-1);
        }
      }
    });
  }

  it('still computes correctly after the wasm heap has grown', () => {
    const held = growHeap();
    try {
      const [B, L, heads, d] = [2, 9, 2, 6];
      const H = heads * d;
      const q = fill(B * L * H, 1);
      const k = fill(B * L * H, 2);
      const v = fill(B * L * H, 3);
      const got = tf.tidy(
        () =>
          attentionFused(
            tf.tensor2d(q, [B * L, H]),
            tf.tensor2d(k, [B * L, H]),
            tf.tensor2d(v, [B * L, H]),
            undefined,
            L,
            heads,
          )!.dataSync() as Float32Array,
      );
      const want = referenceAttention(q, k, v, undefined, B, L, heads, d);
      expect(firstMiss(got, want, () => 2e-5)).to.equal(-1);
      const x = fill(5 * 12, 4);
      const y = tf.tidy(() => addLayerNorm(tf.tensor2d(x, [5, 12]), tf.zeros([5, 12]), tf.ones([12]), tf.zeros([12]), 1e-5).dataSync());
      for (let row = 0; row < 5; row++) {
        const xs = Array.from(x.subarray(row * 12, row * 12 + 12));
        const mu = xs.reduce((p, c) => p + c, 0) / 12;
        const sd = Math.sqrt(xs.reduce((p, c) => p + (c - mu) ** 2, 0) / 12 + 1e-5);
        for (let j = 0; j < 12; j++) expect(Math.abs(y[row * 12 + j]! - (xs[j]! - mu) / sd)).to.be.at.most(1e-5);
      }
    } finally {
      tf.dispose(held);
    }
  });

  it('refuses bad arguments by name: an operand past the heap, a head width that does not divide', () => {
    const u8 = new Uint8Array(4096);
    const args = { q: 0, k: 0, v: 0, out: 0, batch: 1, seq: 4, heads: 2, headDim: 8, ldq: 16, ldk: 16, ldv: 16, ldo: 16, scale: 1 };
    expect(() => native!.attention(u8, { ...args, out: 4000 })).to.throw(
      RangeError,
      /attention: out \(64 floats at byte 4000\) is outside the heap/,
    );
    expect(() => native!.attention(u8, { ...args, ldq: 8 })).to.throw(RangeError, /attention: ldq must be an integer from 16/);
    expect(() => native!.layerNorm(u8, { x: 0, gamma: 0, beta: 0, y: 0, rows: 2, h: 4 } as never)).to.throw(
      TypeError,
      /layerNorm: eps must be given/,
    );
  });
});
