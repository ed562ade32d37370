import os from 'node:os';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { dropoutSeeded, geluErf, initBackend, setKernelOverrides } from '@fets/network';
import { adamwStep, nativeAddon } from '@fets/network/kernels';

const native = nativeAddon();

function values(n: number, seed: number, scale = 4): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** Runs fn with the native kernels on and off (same inputs), returning both outputs' values. */
function onOff(fn: () => tf.Tensor | tf.Tensor[]): { on: Float32Array[]; off: Float32Array[] } {
  const run = () =>
    tf.tidy(() => {
      const r = fn();
      return (Array.isArray(r) ? r : [r]).map((t) => t.dataSync() as Float32Array);
    });
  const before = tf.memory().numTensors;
  const on = run();
  expect(tf.memory().numTensors).to.equal(before, 'tensors leaked with native kernels on');
  setKernelOverrides({ Native: false });
  try {
    return { on, off: run() };
  } finally {
    setKernelOverrides({ Native: true });
  }
}

describe('native kernels: element-wise (against the WebAssembly kernels)', function () {
  this.timeout(60000);
  before(async function () {
    if (!native) this.skip();
    await initBackend({ quiet: true });
    await tf.setBackend('wasm');
    setKernelOverrides(true);
  });
  afterEach(() => native?.setThreads({ threads: os.availableParallelism() }));

  // Sizes that are not multiples of any vector width, above and below the thread hand-off.
  const sizes = [1, 15, 4097, 65537, 300001];

  for (const threads of [1, 2, 3]) {
    it(`dropout masks are the same bits (Alea carried exactly, rare carries included), ${threads} thread(s)`, () => {
      native!.setThreads({ threads });
      for (const n of sizes) {
        for (const seed of [0, 1, 99, 123456]) {
          const x = values(n, seed + 1);
          const { on, off } = onOff(() => dropoutSeeded(tf.tensor(x), 0.1 + (seed % 3) * 0.2, seed));
          expect(Buffer.from(on[0]!.buffer).equals(Buffer.from(off[0]!.buffer)), `n ${n} seed ${seed}`).to.equal(true);
        }
      }
    });

    it(`GELU values and derivatives agree within float32 rounding, ${threads} thread(s)`, () => {
      native!.setThreads({ threads });
      for (const n of sizes) {
        const x = values(n, n, 6);
        x[0] = 0;
        if (n > 3) {
          x[1] = -20;
          x[2] = 20;
        }
        const { on, off } = onOff(() => {
          const xt = tf.tensor(x);
          const [dx] = tf.grads((t: tf.Tensor) => tf.sum(geluErf(t)))([xt]);
          return [geluErf(xt), dx!];
        });
        for (let o = 0; o < 2; o++) {
          let worst = -1;
          for (let i = 0; i < n; i++) {
            if (!(Math.abs(on[o]![i]! - off[o]![i]!) <= 4e-7 * Math.max(1, Math.abs(off[o]![i]!)))) worst = i;
          }
          expect(worst, worst < 0 ? '' : `output ${o} at x = ${x[worst]}: ${on[o]![worst]} vs ${off[o]![worst]}`).to.equal(-1);
        }
      }
    });

    it(`AdamW updates are the same bits, ${threads} thread(s)`, () => {
      native!.setThreads({ threads });
      for (const n of sizes) {
        const { on, off } = onOff(() => {
          const v = tf.abs(tf.tensor(values(n, 3, 0.01)));
          const r = adamwStep(tf.tensor(values(n, 1)), tf.tensor(values(n, 2, 0.1)), v, tf.tensor(values(n, 4)), {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-6,
            learningRate: 1e-3,
            bc1: 0.271,
            bc2: 0.00299,
            decay: 1 - 1e-5,
          });
          expect(r).to.not.equal(null);
          return r!;
        });
        for (let o = 0; o < 3; o++)
          expect(Buffer.from(on[o]!.buffer).equals(Buffer.from(off[o]!.buffer)), `n ${n} output ${o}`).to.equal(true);
      }
    });

    it(`add, multiply, subtract and row-broadcast (bias) arithmetic are the same bits, ${threads} thread(s)`, () => {
      native!.setThreads({ threads });
      for (const [rows, cols] of [
        [1, 5000],
        [33, 257],
        [300, 256],
        [7, 1],
      ]) {
        const a = values(rows * cols, rows);
        const b = values(rows * cols, cols);
        const bias = values(cols, 5);
        const { on, off } = onOff(() => {
          const A = tf.tensor(a, [rows, cols]);
          const B = tf.tensor(b, [rows, cols]);
          const C = tf.tensor(bias, [cols]);
          return [
            tf.add(A, B),
            tf.mul(A, B),
            tf.sub(A, B),
            tf.add(A, C),
            tf.add(C, A),
            tf.mul(A, C),
            tf.sub(A, C),
            tf.sub(C, A),
            tf.add(A, tf.reshape(C, [1, cols])),
          ];
        });
        for (let o = 0; o < on.length; o++) {
          expect(Buffer.from(on[o]!.buffer).equals(Buffer.from(off[o]!.buffer)), `[${rows}, ${cols}] output ${o}`).to.equal(true);
        }
      }
    });
  }
});
