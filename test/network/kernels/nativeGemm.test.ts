import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { geluErf, getKernelOverrides, initBackend, nativeStatus, setKernelOverrides } from '@fets/network';
import { linearFused, loadNativeAddon, nativeAddon, nativeDir } from '@fets/network/kernels';
import { ROOT } from '../../helpers.js';

/** C = op(A)·op(B) in float64, the reference. */
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * n + j]!);
      c[i * n + j] = s;
    }
  }
  return c;
}

function fill(x: Float32Array, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32) * 2 - 1;
  }
}

const native = nativeAddon();
const skipReason = process.env.FETS_NATIVE_BUILD === '0' ? 'FETS_NATIVE_BUILD=0' : undefined;

describe('native kernels: GEMM', function () {
  this.timeout(120000);

  it('the addon was built by npm install and loads', function () {
    if (skipReason) this.skip();
    const s = nativeStatus();
    expect(s.ok, s.ok ? '' : s.reason).to.equal(true);
    if (s.ok) {
      expect(s.isas.at(-1)).to.equal('generic');
      expect(s.threads).to.be.at.least(1);
    }
  });

  describe('against a float64 product, on a heap at byte offsets', () => {
    const isas = native ? native.info().isas : [];
    after(() => {
      native?.setIsa({ name: '' });
      native?.setThreads({ threads: os.availableParallelism() });
    });
    for (const isa of isas) {
      it(`${isa}: random shapes (1, primes, not multiples of the tile), every transpose case, batched and broadcast, 1-3 threads`, () => {
        native!.setIsa({ name: isa });
        const heap = new Float32Array(1 << 20);
        const u8 = new Uint8Array(heap.buffer);
        fc.assert(
          fc.property(
            fc.constantFrom(1, 2, 3, 7, 8, 13, 31, 32, 33, 64, 97, 130),
            fc.constantFrom(1, 5, 16, 17, 31, 61, 100, 257),
            fc.constantFrom(1, 3, 8, 19, 64, 127, 300, 1100),
            fc.boolean(),
            fc.boolean(),
            fc.integer({ min: 1, max: 3 }),
            fc.integer({ min: 1, max: 3 }),
            fc.constantFrom<[number, number]>([1, 1], [1, 0], [0, 1]),
            fc.integer(),
            (m, n, k, ta, tb, threads, batch, [aStep, bStep], seed) => {
              native!.setThreads({ threads });
              const aLen = m * k * (aStep ? batch : 1);
              const bLen = k * n * (bStep ? batch : 1);
              // Operands at odd float offsets: the kernels may not assume alignment.
              const aAt = 3;
              const bAt = aAt + aLen + 5;
              const cAt = bAt + bLen + 1;
              fill(heap.subarray(0, cAt + batch * m * n + 8), seed);
              const guard = heap[cAt + batch * m * n]!;
              native!.gemm(u8, {
                a: 4 * aAt,
                b: 4 * bAt,
                c: 4 * cAt,
                batch,
                m,
                n,
                k,
                aStep: aStep === 1,
                bStep: bStep === 1,
                transA: ta,
                transB: tb,
              });
              for (let i = 0; i < batch; i++) {
                const a = heap.subarray(aAt + i * aStep * m * k, aAt + i * aStep * m * k + m * k);
                const b = heap.subarray(bAt + i * bStep * k * n, bAt + i * bStep * k * n + k * n);
                const want = reference(a, b, m, n, k, ta, tb);
                for (let j = 0; j < m * n; j++) {
                  const got = heap[cAt + i * m * n + j]!;
                  if (!(Math.abs(got - want[j]!) <= 1e-5 * k)) {
                    throw new Error(
                      `${isa} m${m} n${n} k${k} ta${ta} tb${tb} batch${batch}/${aStep}${bStep} threads${threads}: C[${i}][${j}] = ${got}, expected ${want[j]}`,
                    );
                  }
                }
              }
              expect(heap[cAt + batch * m * n]).to.equal(guard, 'wrote past C');
            },
          ),
          { numRuns: 60, seed: 7 },
        );
      });
    }

    it('refuses operands outside the heap with a RangeError naming the operand', function () {
      if (!native) this.skip();
      const u8 = new Uint8Array(4096);
      const args = { a: 0, b: 0, c: 3584, batch: 1, m: 16, n: 16, k: 16, aStep: false, bStep: false, transA: false, transB: false };
      expect(() => native!.gemm(u8, args)).to.throw(RangeError, /gemm: c \(256 floats at byte 3584\) is outside the heap of 4096 bytes/);
      expect(() => native!.gemm(u8, { ...args, c: 0, m: 1.5 })).to.throw(RangeError, /gemm: m must be an integer from 0/);
      expect(() => native!.gemm(u8, { ...args, c: 0, activation: 'relu' as never })).to.throw(
        RangeError,
        /gemm: activation must be one of none, gelu, received "relu"/,
      );
    });
  });

  describe('through tf.matMul on wasm, against the cpu backend', () => {
    before(async () => {
      await initBackend({ quiet: true });
      setKernelOverrides(true);
    });
    after(async () => {
      setKernelOverrides(true);
      await tf.setBackend('wasm');
    });

    // grad false: tfjs 4.22's BatchMatMul gradient does not reduce a broadcast operand (it fails on every backend).
    const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean; grad?: boolean }[] = [
      { a: [37, 29], b: [29, 41], ta: false, tb: false },
      { a: [29, 37], b: [29, 41], ta: true, tb: false },
      { a: [37, 29], b: [41, 29], ta: false, tb: true },
      { a: [29, 37], b: [41, 29], ta: true, tb: true },
      { a: [3, 4, 17, 9], b: [3, 4, 9, 11], ta: false, tb: false },
      { a: [6, 17, 9], b: [6, 11, 9], ta: false, tb: true },
      { a: [5, 13, 8], b: [8, 7], ta: false, tb: false, grad: false },
      { a: [2, 3, 9, 17], b: [2, 3, 9, 5], ta: true, tb: false },
    ];
    for (const threads of [1, 2, 3]) {
      it(`values and gradients equal cpu's (${threads} thread${threads > 1 ? 's' : ''}), tensor count flat`, async function () {
        if (!native) this.skip();
        native.setThreads({ threads });
        try {
          for (const c of cases) {
            const av = new Float32Array(c.a.reduce((p, d) => p * d, 1));
            const bv = new Float32Array(c.b.reduce((p, d) => p * d, 1));
            fill(av, c.a.length * 7 + threads);
            fill(bv, c.b.length * 13 + threads);
            const run = () =>
              tf.tidy(() => {
                const a = tf.tensor(av, c.a);
                const b = tf.tensor(bv, c.b);
                const y = tf.matMul(a, b, c.ta, c.tb);
                if (c.grad === false) return [Array.from(y.dataSync())];
                const [da, db] = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
                  tf.sum(tf.mul(tf.matMul(x, w, c.ta, c.tb), tf.sin(tf.matMul(x, w, c.ta, c.tb)))),
                )([a, b]);
                return [y, da!, db!].map((t) => Array.from(t.dataSync()));
              });
            await tf.setBackend('wasm');
            const before = tf.memory().numTensors;
            const w = run();
            expect(tf.memory().numTensors).to.equal(before);
            await tf.setBackend('cpu');
            const cpu = run();
            await tf.setBackend('wasm');
            expect(w.length).to.equal(c.grad === false ? 1 : 3);
            for (let o = 0; o < w.length; o++) {
              for (let j = 0; j < cpu[o]!.length; j++) {
                expect(Math.abs(w[o]![j]! - cpu[o]![j]!)).to.be.at.most(
                  1e-4 * Math.max(1, Math.abs(cpu[o]![j]!)),
                  `${JSON.stringify(c)} output ${o}[${j}]`,
                );
              }
            }
          }
        } finally {
          native.setThreads({ threads: os.availableParallelism() });
        }
      });
    }

    it('the fused dense kernel (x·Wᵀ + b, bias and GELU in the tiles) equals matMul + add (+ GELU) on cpu', async function () {
      if (!native) this.skip();
      for (const act of ['none', 'gelu'] as const) {
        for (const [m, k, n] of [
          [1, 1, 1],
          [37, 29, 41],
          [130, 300, 97],
          [64, 1100, 33],
          [8, 0, 5],
        ] as const) {
          const xv = new Float32Array(m * k);
          const wv = new Float32Array(n * k);
          const bv = new Float32Array(n);
          fill(xv, m + k);
          fill(wv, n + k);
          fill(bv, n);
          await tf.setBackend('wasm');
          const before = tf.memory().numTensors;
          const got = tf.tidy(() =>
            Array.from(linearFused(tf.tensor2d(xv, [m, k]), tf.tensor2d(wv, [n, k]), tf.tensor1d(bv), act)!.dataSync()),
          );
          expect(tf.memory().numTensors).to.equal(before);
          await tf.setBackend('cpu');
          const want = tf.tidy(() => {
            const y = tf.add(tf.matMul(tf.tensor2d(xv, [m, k]), tf.tensor2d(wv, [n, k]), false, true), tf.tensor1d(bv));
            return Array.from((act === 'gelu' ? geluErf(y) : y).dataSync());
          });
          await tf.setBackend('wasm');
          expect(got).to.have.length(m * n);
          for (let j = 0; j < want.length; j++) {
            expect(Math.abs(got[j]! - want[j]!)).to.be.at.most(1e-4 * Math.max(1, k / 100), `${act} [${m},${k},${n}] ${j}`);
          }
        }
      }
    });

    it('still computes correctly after the wasm heap has grown', async function () {
      if (!native) this.skip();
      await tf.setBackend('wasm');
      const heapBefore = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
      // Hold a tensor larger than the heap was, so the heap must grow (the addon must use the new buffer).
      const big = tf.zeros([Math.ceil(heapBefore / 4) + (1 << 20)]);
      const heapAfter = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
      expect(heapAfter).to.be.greaterThan(heapBefore);
      const av = new Float32Array(70 * 50);
      const bv = new Float32Array(50 * 90);
      fill(av, 1);
      fill(bv, 2);
      const got = tf.tidy(() => tf.matMul(tf.tensor(av, [70, 50]), tf.tensor(bv, [50, 90])).dataSync());
      big.dispose();
      const want = reference(av, bv, 70, 90, 50, false, false);
      for (let j = 0; j < want.length; j++) expect(Math.abs(got[j]! - want[j]!)).to.be.at.most(1e-4);
    });

    it('FETS_KERNELS=-Native turns the addon off (the WebAssembly GEMM serves, same values)', async function () {
      if (!native) this.skip();
      await tf.setBackend('wasm');
      const av = new Float32Array(33 * 20);
      const bv = new Float32Array(20 * 45);
      fill(av, 3);
      fill(bv, 4);
      const product = () => tf.tidy(() => Array.from(tf.matMul(tf.tensor(av, [33, 20]), tf.tensor(bv, [20, 45])).dataSync()));
      const on = product();
      setKernelOverrides({ Native: false });
      expect(getKernelOverrides().Native).to.equal(false);
      const off = product();
      setKernelOverrides({ Native: true });
      for (let j = 0; j < on.length; j++) expect(Math.abs(on[j]! - off[j]!)).to.be.at.most(1e-5);
    });
  });

  describe('when the build fails', () => {
    let root: string;
    let dir: string;
    before(() => {
      // The addon's folder as the package ships it: native/ beside scripts/ (the shared install-time builder).
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-native-'));
      dir = path.join(root, 'native');
      for (const f of ['binding.gyp', 'build.mjs', 'src']) fs.cpSync(path.join(nativeDir(), f), path.join(dir, f), { recursive: true });
      fs.cpSync(path.join(nativeDir(), '..', 'scripts'), path.join(root, 'scripts'), { recursive: true });
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it('the install step still succeeds and records why; fets says so once and runs on the wasm kernels', function () {
      // A compiler that always fails stands for a machine without a working toolchain.
      const out = execFileSync(process.execPath, [path.join(dir, 'build.mjs')], {
        env: { ...process.env, CXX: '/bin/false', CC: '/bin/false' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(out).to.equal('');
      const status = JSON.parse(fs.readFileSync(path.join(dir, 'build', 'status.json'), 'utf8'));
      expect(status.ok).to.equal(false);
      expect(status.reason).to.match(/node-gyp exited with 1/);
      const load = loadNativeAddon(dir);
      expect(load.ok).to.equal(false);
      if (!load.ok) expect(load.reason).to.match(/^the install-time build failed: node-gyp exited with 1/);
      // A whole process started against that folder: one line says why, then a product runs on wasm.
      const script = `import * as tf from '@tensorflow/tfjs'; import { initBackend } from '@fets/network';
        const lines = []; await initBackend({ log: (l) => lines.push(l) });
        const y = tf.matMul(tf.ones([3, 4]), tf.ones([4, 5])).dataSync();
        console.log(JSON.stringify({ lines, y: Array.from(y) }));`;
      const child = execFileSync(process.execPath, ['--conditions=fets-source', '--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        env: { ...process.env, FETS_NATIVE_DIR: dir, FETS_BACKEND: 'wasm', FETS_QUIET: '' },
        encoding: 'utf8',
      });
      const r = JSON.parse(child.trim().split('\n').at(-1)!) as { lines: string[]; y: number[] };
      expect(r.lines).to.have.length(1);
      expect(r.lines[0]).to.match(
        /^fets: backend wasm \(SIMD, 1 thread\); native kernels off: the install-time build failed: node-gyp exited with 1.*; the WebAssembly SIMD kernels serve$/,
      );
      expect(r.y).to.deep.equal(new Array(15).fill(4));
    });
  });
});
