import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { randomInt, seededRandom } from '@fets/pipeline';
import { initBackend, setKernelOverrides } from '@fets/network';
import { KERNEL_OVERRIDES } from '@fets/network/kernels';

/** One convolution case: shapes, stride, padding, dilation, and whether it is depthwise. */
interface Case {
  b: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
  dilation: number;
  depthwise: boolean;
}

/**
 * Dilated case (tfjs has no gradient for dilation > 1): on wasm, fets' kernels called directly with `dilations`; the
 * reference is the same convolution with the filter spread out (zeros between its taps) at dilation 1 on cpu, whose
 * filter gradient is read back at the taps.
 */
function runDilated(c: Case, xs: Float32Array, ws: Float32Array, rs: Float32Array, reference: boolean) {
  return tf.tidy(() => {
    const d = c.dilation;
    const x = tf.tensor4d(xs, [c.b, c.h, c.w, c.ci]);
    if (reference) {
      const kd = (c.k - 1) * d + 1;
      const spread = new Float32Array(kd * kd * c.ci * c.co);
      for (let kh = 0; kh < c.k; kh++)
        for (let kw = 0; kw < c.k; kw++)
          for (let i = 0; i < c.ci * c.co; i++) spread[(kh * d * kd + kw * d) * c.ci * c.co + i] = ws[(kh * c.k + kw) * c.ci * c.co + i]!;
      const w = tf.tensor4d(spread, [kd, kd, c.ci, c.co]);
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad);
      const y = f(x, w);
      const r = tf.tensor(rs.subarray(0, y.size), y.shape);
      const [dx, dwd] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(f(xx, ww), r)))([x, w]);
      const full = dwd!.dataSync();
      const dw = new Float32Array(c.k * c.k * c.ci * c.co);
      for (let kh = 0; kh < c.k; kh++)
        for (let kw = 0; kw < c.k; kw++)
          for (let i = 0; i < c.ci * c.co; i++) dw[(kh * c.k + kw) * c.ci * c.co + i] = full[(kh * d * kd + kw * d) * c.ci * c.co + i]!;
      return { y: y.dataSync() as Float32Array, dx: dx!.dataSync() as Float32Array, dw };
    }
    const w = tf.tensor4d(ws, [c.k, c.k, c.ci, c.co]);
    const y = tf.conv2d(x, w, c.stride, c.pad, 'NHWC', d);
    const r = tf.tensor(rs.subarray(0, y.size), y.shape);
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: d };
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: r, filter: w }, { ...attrs, inputShape: x.shape } as never) as tf.Tensor;
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: r }, { ...attrs, filterShape: w.shape } as never) as tf.Tensor;
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

/** y = conv(x, w), and the gradients of Σ y·r for x and w, on the current backend. */
function run(c: Case, xs: Float32Array, ws: Float32Array, rs: Float32Array): { y: Float32Array; dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, [c.b, c.h, c.w, c.ci]);
    const wShape: [number, number, number, number] = c.depthwise ? [c.k, c.k, c.ci, c.co] : [c.k, c.k, c.ci, c.co];
    const w = tf.tensor4d(ws, wShape);
    const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) =>
      c.depthwise
        ? tf.depthwiseConv2d(xx, ww, c.stride, c.pad, 'NHWC', c.dilation)
        : tf.conv2d(xx, ww, c.stride, c.pad, 'NHWC', c.dilation);
    const y = f(x, w);
    const r = tf.tensor(rs.subarray(0, y.size), y.shape);
    const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(f(xx as tf.Tensor4D, ww as tf.Tensor4D), r)));
    const [dx, dw] = g([x, w]);
    return { y: y.dataSync() as Float32Array, dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

function close(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length, what).to.equal(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  expect(worst, what).to.be.below(1e-4);
}

describe('network/kernels: convolutions on wasm (im2col + GEMM) against cpu', function () {
  this.timeout(120_000);
  before(async () => {
    await initBackend({ quiet: true });
  });
  after(async () => {
    setKernelOverrides(true);
    await tf.setBackend('wasm');
  });

  const rng = seededRandom(2024);
  const cases: Case[] = [
    // LeNet's and ResNet9's shapes, then random ones.
    { b: 4, h: 28, w: 28, ci: 1, co: 8, k: 3, stride: 1, pad: 'valid', dilation: 1, depthwise: false },
    { b: 2, h: 16, w: 16, ci: 24, co: 32, k: 3, stride: 1, pad: 'same', dilation: 1, depthwise: false },
    { b: 2, h: 9, w: 9, ci: 20, co: 12, k: 1, stride: 1, pad: 'valid', dilation: 1, depthwise: false },
  ];
  for (let i = 0; i < 14; i++) {
    const depthwise = i % 4 === 3;
    const dilation = i % 5 === 4 && !depthwise ? 2 : 1;
    cases.push({
      b: 1 + randomInt(rng, 3),
      h: 5 + randomInt(rng, 8),
      w: 5 + randomInt(rng, 8),
      ci: 1 + randomInt(rng, 20),
      co: depthwise ? 1 + randomInt(rng, 3) : 1 + randomInt(rng, 20),
      k: 1 + randomInt(rng, 4),
      stride: dilation > 1 ? 1 : 1 + randomInt(rng, 2),
      pad: rng() < 0.5 ? 'same' : 'valid',
      dilation,
      depthwise,
    });
  }

  for (const c of cases) {
    it(`${c.depthwise ? 'depthwise ' : ''}x [${c.b},${c.h},${c.w},${c.ci}], ${c.k}×${c.k}→${c.co}, stride ${c.stride}, ${c.pad}, dilation ${c.dilation}: values and both gradients`, async () => {
      const r = seededRandom(c.h * 131 + c.ci);
      const fill = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);
      const xs = fill(c.b * c.h * c.w * c.ci);
      const ws = fill(c.k * c.k * c.ci * c.co);
      const rs = fill(c.b * c.h * c.w * c.ci * c.co * 4);
      const dilated = c.dilation > 1 && !c.depthwise;
      await tf.setBackend('cpu');
      const want = dilated ? runDilated(c, xs, ws, rs, true) : run(c, xs, ws, rs);
      await tf.setBackend('wasm');
      // With the native addon (im2col on its GEMM for all three), then without (the WebAssembly kernels).
      for (const native of [true, false]) {
        setKernelOverrides({ ...Object.fromEntries(KERNEL_OVERRIDES.map((k) => [k, true])), Native: native } as never);
        const before = tf.memory().numTensors;
        const got = dilated ? runDilated(c, xs, ws, rs, false) : run(c, xs, ws, rs);
        expect(tf.memory().numTensors).to.equal(before);
        close(got.y, want.y, `y (native ${native})`);
        close(got.dx, want.dx, `dx (native ${native})`);
        close(got.dw, want.dw, `dw (native ${native})`);
      }
      setKernelOverrides(true);
    });
  }

  for (const [size, stride, pad, shape, ties] of [
    [2, 2, 'valid', [4, 24, 24, 32], false],
    [3, 2, 'same', [2, 9, 7, 5], false],
    [3, 1, 'valid', [1, 6, 8, 3], false],
    [2, 1, 'same', [3, 5, 5, 4], false],
    // After a ReLU most windows tie at 0: the gradient must go to the same (first) element as on cpu.
    [2, 2, 'valid', [2, 8, 8, 6], true],
    [3, 2, 'same', [2, 7, 9, 3], true],
  ] as const) {
    it(`max-pool ${size}×${size} stride ${stride} ${pad} on [${shape}]${ties ? ' with ties' : ''}: the gradient equals cpu's`, async () => {
      const r = seededRandom(size * 7 + stride);
      const xs = Float32Array.from({ length: (shape as readonly number[]).reduce((a, b) => a * b, 1) }, () =>
        ties ? Math.max(0, Math.round(r() * 3 - 2)) : r() * 2 - 1,
      );
      const grad = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xs, [...shape]);
          const y = tf.maxPool(x, size, stride, pad);
          const w = tf.tensor(
            Float32Array.from({ length: y.size }, (_, i) => ((i * 37) % 11) - 5),
            y.shape,
          );
          return tf
            .grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, size, stride, pad), w)))(x)
            .dataSync() as Float32Array;
        });
      await tf.setBackend('cpu');
      const want = grad();
      await tf.setBackend('wasm');
      // In native code (images on the pool's threads), then in the WebAssembly module's JavaScript loop.
      for (const native of [true, false]) {
        setKernelOverrides({ Native: native });
        const before = tf.memory().numTensors;
        close(grad(), want, `dx (native ${native})`);
        expect(tf.memory().numTensors).to.equal(before);
      }
      setKernelOverrides(true);
    });
  }

  it('without the Conv switch, wasm lacks the filter gradient (what a user hit before)', async () => {
    await tf.setBackend('wasm');
    setKernelOverrides({ Conv: false });
    const x = tf.ones([1, 5, 5, 2]);
    const w = tf.ones([3, 3, 2, 2]);
    expect(() => tf.grad((ww: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, 1, 'valid')))(w)).to.throw(
      /Conv2DBackpropFilter/,
    );
    setKernelOverrides(true);
    tf.dispose([x, w]);
  });
});
