import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { getKernelOverrides, initBackend, setKernelOverrides } from '@fets/network';
import { KERNEL_OVERRIDES, WASM_PACKAGE_VERSION, parseKernelSpec, wasmVersionMismatch } from '@fets/network/kernels';

/** Runs `fn` on a backend with `inputs` copied there; returns plain arrays of every output. */
async function runOn(
  backend: 'wasm' | 'cpu',
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  inputs: { values: number[]; shape: number[]; dtype?: 'float32' | 'int32' }[],
) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype ?? 'float32'));
    const out = fn(...xs);
    return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
  });
}

function expectClose(a: { shape: number[]; values: number[] }[], b: { shape: number[]; values: number[] }[], tol = 1e-4) {
  expect(a.length).to.equal(b.length);
  for (let i = 0; i < a.length; i++) {
    expect(a[i]!.shape).to.deep.equal(b[i]!.shape);
    const x = a[i]!.values;
    const y = b[i]!.values;
    for (let j = 0; j < x.length; j++) {
      const scale = Math.max(1, Math.abs(y[j]!));
      if (!(Math.abs(x[j]! - y[j]!) <= tol * scale)) {
        expect.fail(`output ${i}[${j}]: wasm ${x[j]} vs cpu ${y[j]} (shape ${a[i]!.shape})`);
      }
    }
  }
}

/** Compares wasm (replacements on) with cpu for the same inputs; also checks wasm leaks nothing. */
async function differential(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: Parameters<typeof runOn>[2], tol?: number) {
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const w = await runOn('wasm', fn, inputs);
  expect(tf.memory().numTensors).to.equal(before);
  const c = await runOn('cpu', fn, inputs);
  expectClose(w, c, tol);
}

const rand = (n: number, seed: number) => {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
};
const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const input = (shape: number[], seed: number) => ({ values: rand(size(shape), seed), shape });

describe('wasm kernel replacements', function () {
  this.timeout(60000);
  before(async () => {
    await initBackend({ quiet: true });
    setKernelOverrides(true);
  });
  after(async () => {
    setKernelOverrides(true);
    await tf.setBackend('wasm');
  });

  it('are all on after initBackend (FETS_KERNELS unset)', () => {
    expect(getKernelOverrides()).to.deep.equal(Object.fromEntries(KERNEL_OVERRIDES.map((k) => [k, true])));
  });

  describe('UnsortedSegmentSum', () => {
    it('matches cpu on random shapes, ids (duplicates, out-of-range dropped) and segment counts', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 40 }),
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 2 }),
          fc.integer({ min: 1, max: 30 }),
          fc.boolean(),
          fc.integer(),
          async (n, inner, numSegments, outOfRange, seed) => {
            const ids = rand(n, seed).map(
              (r) => Math.floor(((r + 1) / 2) * (outOfRange ? numSegments + 4 : numSegments)) - (outOfRange ? 2 : 0),
            );
            await differential(
              (x, i) => tf.unsortedSegmentSum(x!, i as tf.Tensor1D, numSegments),
              [input([n, ...inner], seed + 1), { values: ids, shape: [n], dtype: 'int32' }],
            );
          },
        ),
        { numRuns: 25 },
      );
    });

    it('gives a [batch, seq] embedding lookup its gradient like cpu', async () => {
      await differential(
        (table, i) =>
          tf.grad((t: tf.Tensor) =>
            tf
              .gather(t, i!)
              .mul(tf.range(0, 5).reshape([1, 1, 5]))
              .sum(),
          )(table!),
        [input([7, 5], 3), { values: [0, 6, 6, 2, 1, 0, 3, 3, 3, 5, 4, 6], shape: [3, 4], dtype: 'int32' }],
      );
    });

    it('gives tf.gather its gradient on wasm (embedding training), equal to cpu', async () => {
      const ids = { values: [3, 1, 3, 0, 9, 3, 1], shape: [7], dtype: 'int32' as const };
      await differential(
        (table, i) => {
          const f = (t: tf.Tensor) =>
            tf
              .gather(t, i as tf.Tensor1D)
              .mul(tf.range(1, 8).reshape([7, 1]))
              .square()
              .sum();
          return tf.grad(f)(table!);
        },
        [input([10, 6], 4), ids],
      );
    });

    it('throws on wasm when switched off (the package has none), works again when on', async () => {
      await tf.setBackend('wasm');
      setKernelOverrides({ UnsortedSegmentSum: false });
      try {
        expect(() => tf.unsortedSegmentSum(tf.ones([2, 2]), tf.tensor1d([0, 1], 'int32'), 2)).to.throw(/UnsortedSegmentSum/);
      } finally {
        setKernelOverrides({ UnsortedSegmentSum: true });
      }
      const out = tf.unsortedSegmentSum(tf.ones([2, 2]), tf.tensor1d([1, 1], 'int32'), 2);
      expect(out.arraySync()).to.deep.equal([
        [0, 0],
        [2, 2],
      ]);
      tf.dispose(out);
    });
  });

  describe('BatchMatMul', () => {
    it('matches cpu for 2-D products with every transpose combination (values and gradients)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 24 }),
          fc.integer({ min: 1, max: 24 }),
          fc.integer({ min: 1, max: 24 }),
          fc.boolean(),
          fc.boolean(),
          fc.integer(),
          async (m, k, n, ta, tb, seed) => {
            const aShape = ta ? [k, m] : [m, k];
            const bShape = tb ? [n, k] : [k, n];
            await differential(
              (a, b) => {
                const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb);
                const { value, grads } = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => f(x, y).square().sum())([a!, b!]);
                return [f(a!, b!), value, ...grads];
              },
              [input(aShape, seed), input(bShape, seed + 7)],
            );
          },
        ),
        { numRuns: 30 },
      );
    });

    it('matches cpu for products whose right operand is swept in several cache-sized panel chunks', async () => {
      // Packed B over 4 MiB is swept in chunks of 256 KiB: k = 1000 gives 8 panels (64 columns) a chunk, k = 9000
      // one panel; m = 9, 6, 13 leave a partial row block and n a partial last panel.
      const cases: [number, number, number, (readonly [boolean, boolean])[]][] = [
        [
          9,
          1000,
          1100,
          [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ],
        ],
        [
          6,
          9000,
          130,
          [
            [false, false],
            [true, false],
          ],
        ],
        [
          13,
          300,
          3601,
          [
            [false, false],
            [false, true],
          ],
        ],
      ];
      for (const [i, [m, k, n, transposes]] of cases.entries()) {
        for (const [ta, tb] of transposes) {
          await differential(
            (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb),
            [input(ta ? [k, m] : [m, k], 31 + i), input(tb ? [n, k] : [k, n], 47 + i)],
            // sums of up to 9,000 products in a different order (and fused multiply-adds): about 1e-4 apart
            1e-3,
          );
        }
      }
    });

    it('matches cpu for 3-D/4-D batched products, broadcasting, transposes (values and gradients)', async () => {
      // tfjs's own BatchMatMul gradient does not reduce broadcast batch dimensions (on any backend): values only there.
      const cases: { a: number[]; b: number[]; ta?: boolean; tb?: boolean; noGrad?: boolean }[] = [
        { a: [2, 3, 5, 4], b: [2, 3, 5, 4], tb: true }, // attention scores
        { a: [2, 3, 5, 5], b: [2, 3, 5, 4] }, // attention context
        { a: [2, 3, 5, 4], b: [2, 3, 5, 6], ta: true },
        { a: [4, 7, 6], b: [6, 3], noGrad: true }, // 3-D @ 2-D, right operand broadcast
        { a: [4, 7, 6], b: [1, 6, 3], noGrad: true },
        { a: [7, 6], b: [4, 6, 3], noGrad: true }, // left operand broadcast
        { a: [1, 6, 7], b: [4, 6, 3], ta: true, noGrad: true },
        { a: [2, 1, 5, 4], b: [1, 3, 4, 2], noGrad: true }, // mixed broadcasting: package kernel
        { a: [3, 4, 5], b: [3, 6, 5], tb: true },
        { a: [3, 0, 5], b: [3, 5, 2] },
        { a: [2, 3, 0], b: [2, 0, 4] },
      ];
      for (const [i, c] of cases.entries()) {
        await differential(
          (a, b) => {
            const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, c.ta, c.tb);
            if (c.noGrad) return f(a!, b!);
            const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => f(x, y).square().sum())([a!, b!]);
            return [f(a!, b!), ...grads];
          },
          [input(c.a, 11 + i), input(c.b, 23 + i)],
        );
      }
    });

    it('gives the same results with each part switched off', async () => {
      for (const settings of [{ BatchMatMulTranspose: false }, { BatchMatMulBatched: false }]) {
        setKernelOverrides(settings);
        try {
          await differential((a, b) => tf.matMul(a!, b!, true, true), [input([2, 5, 4], 1), input([2, 3, 5], 2)]);
          await differential((a, b) => tf.matMul(a!, b!), [input([2, 3, 4], 1), input([4, 3], 2)]);
        } finally {
          setKernelOverrides(true);
        }
      }
    });
  });

  describe('Sum over leading axes', () => {
    it('matches cpu on random shapes, axes and keepDims (values and gradients)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 0, max: 3 }),
          fc.boolean(),
          fc.integer(),
          async (shape, nAxes, keepDims, seed) => {
            const axes = Array.from({ length: Math.min(nAxes, shape.length) }, (_, i) => i);
            const axis = axes.length === 0 ? [shape.length - 1] : axes;
            await differential(
              (x) => {
                const bias = tf.variable(tf.zeros(shape.slice(axes.length || shape.length - 1)), true, `b${seed}`);
                const s = tf.sum(x!, axis, keepDims);
                const g = tf.variableGrads(() => x!.add(bias).square().sum(), [bias]).grads;
                const out = [s, ...Object.values(g)];
                bias.dispose();
                return out;
              },
              [input(shape, seed)],
              1e-4,
            );
          },
        ),
        { numRuns: 30 },
      );
    });

    it('sums many rows (odd counts fold into row 0) like cpu', async () => {
      for (const rows of [8, 9, 31, 1000, 1023]) {
        await differential((x) => tf.sum(x!, 0), [input([rows, 17], rows)], 1e-4);
      }
    });
  });

  describe('settings', () => {
    it('run only on the wasm package version they were written against (pinned in package.json)', async () => {
      const pinned = JSON.parse(
        await import('node:fs').then((fs) => fs.readFileSync(new URL('../../../packages/network/package.json', import.meta.url), 'utf8')),
      );
      expect(pinned.dependencies['@tensorflow/tfjs-backend-wasm']).to.equal(WASM_PACKAGE_VERSION);
      expect(wasmVersionMismatch()).to.equal(undefined);
      expect(wasmVersionMismatch('4.23.0')).to.equal(
        `@tensorflow/tfjs-backend-wasm is 4.23.0, but fets' kernel replacements read private fields of ${WASM_PACKAGE_VERSION}`,
      );
    });

    it('parses FETS_KERNELS specs and rejects unknown names with a suggestion', () => {
      expect(parseKernelSpec('off').Sum).to.equal(false);
      expect(parseKernelSpec(undefined).Sum).to.equal(true);
      expect(parseKernelSpec('-Sum')).to.deep.include({ Sum: false, UnsortedSegmentSum: true });
      expect(parseKernelSpec('Sum')).to.deep.include({ Sum: true, BatchMatMulTranspose: false });
      expect(() => parseKernelSpec('Summ')).to.throw(/unknown kernel "Summ", did you mean "Sum"/);
      expect(() => parseKernelSpec('Sum,-UnsortedSegmentSum')).to.throw(/not both/);
      expect(() => setKernelOverrides({ Bogus: true } as never)).to.throw(/unknown kernel "Bogus"/);
    });

    it("restores the package kernel when switched off and registers fets's when on", () => {
      setKernelOverrides({ Sum: false });
      const pkg = tf.getKernel('Sum', 'wasm')!.kernelFunc;
      setKernelOverrides({ Sum: true });
      const ours = tf.getKernel('Sum', 'wasm')!.kernelFunc;
      expect(ours).to.not.equal(pkg);
      expect(tf.getKernel('Sum', 'cpu')!.kernelFunc).to.not.equal(ours);
    });
  });
});
