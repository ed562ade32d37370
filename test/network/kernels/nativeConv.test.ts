import os from 'node:os';
import { expect } from 'chai';
import fc from 'fast-check';
import { nativeAddon, type ConvGeometry } from '@fets/network/kernels';

const native = nativeAddon();

/** A convolution's geometry in the addon's order, with the output size tfjs' explicit padding gives. */
interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

function outSize(g: Geometry): [number, number] {
  const eh = (g.kH - 1) * g.dilationH + 1;
  const ew = (g.kW - 1) * g.dilationW + 1;
  return [
    Math.floor((g.inH + g.padTop + g.padBottom - eh) / g.strideH) + 1,
    Math.floor((g.inW + g.padLeft + g.padRight - ew) / g.strideW) + 1,
  ];
}

/** The geometry as the native entry points name it. */
function named(g: Geometry): ConvGeometry {
  const [outH, outW] = outSize(g);
  const { batch, inH, inW, inC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  return { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft };
}

/** The patches by their definition: col[(b, oh, ow), (kh, kw, c)] = x[b, ih, iw, c], 0 outside. */
function referenceIm2col(x: Float32Array, g: Geometry): Float32Array {
  const [oh, ow] = outSize(g);
  const k = g.kH * g.kW * g.inC;
  const col = new Float32Array(g.batch * oh * ow * k);
  for (let b = 0; b < g.batch; b++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let kh = 0; kh < g.kH; kh++)
          for (let kw = 0; kw < g.kW; kw++)
            for (let c = 0; c < g.inC; c++) {
              const ih = r * g.strideH - g.padTop + kh * g.dilationH;
              const iw = q * g.strideW - g.padLeft + kw * g.dilationW;
              const inside = ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW;
              col[((b * oh + r) * ow + q) * k + (kh * g.kW + kw) * g.inC + c] = inside
                ? x[((b * g.inH + ih) * g.inW + iw) * g.inC + c]!
                : 0;
            }
  return col;
}

/** One heap holding x, then col (with 1 float of slack between, so an overrun shows). */
function layout(g: Geometry) {
  const [oh, ow] = outSize(g);
  const nx = g.batch * g.inH * g.inW * g.inC;
  const ncol = g.batch * oh * ow * g.kH * g.kW * g.inC;
  const heap = new Float32Array(nx + ncol + 2);
  return { heap, bytes: new Uint8Array(heap.buffer), nx, ncol, xOff: 0, colOff: 4 * (nx + 1) };
}

const geometry = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    inH: fc.integer({ min: 1, max: 9 }),
    inW: fc.integer({ min: 1, max: 9 }),
    inC: fc.integer({ min: 1, max: 19 }),
    kH: fc.integer({ min: 1, max: 4 }),
    kW: fc.integer({ min: 1, max: 4 }),
    strideH: fc.integer({ min: 1, max: 3 }),
    strideW: fc.integer({ min: 1, max: 3 }),
    dilationH: fc.integer({ min: 1, max: 2 }),
    dilationW: fc.integer({ min: 1, max: 2 }),
    padTop: fc.integer({ min: 0, max: 2 }),
    padLeft: fc.integer({ min: 0, max: 2 }),
    padBottom: fc.integer({ min: 0, max: 2 }),
    padRight: fc.integer({ min: 0, max: 2 }),
  })
  .filter((g) => outSize(g).every((d) => d >= 1));

function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return Math.round((s / 2 ** 32) * 64 - 32) / 8; // exact in float32, so sums of a few are exact too
  });
}

describe('native kernels: convolution data movement', function () {
  this.timeout(60000);
  before(function () {
    if (!native) this.skip();
  });
  afterEach(() => native?.setThreads({ threads: os.availableParallelism() }));

  for (const threads of [1, 2, 3]) {
    it(`im2col equals the patches by definition, and col2im is its adjoint, ${threads} thread(s)`, () => {
      native!.setThreads({ threads });
      fc.assert(
        fc.property(geometry, fc.integer(), (g, seed) => {
          const L = layout(g);
          const x = seeded(L.nx, seed);
          L.heap.set(x, 0);
          L.heap.fill(Number.NaN, L.nx + 1); // col starts as garbage: every element must be written
          native!.im2col(L.bytes, { x: L.xOff, col: L.colOff, ...named(g) });
          const col = L.heap.slice(L.nx + 1, L.nx + 1 + L.ncol);
          expect(Array.from(col)).to.deep.equal(Array.from(referenceIm2col(x, g)));
          expect(L.heap[L.nx + 1 + L.ncol]).to.be.NaN; // nothing written past col
          // Adjoint: <im2col(x), c> = <x, col2im(c)>, exactly for these small multiples of 1/8.
          const c = seeded(L.ncol, seed + 1);
          L.heap.set(c, L.nx + 1);
          L.heap.fill(Number.NaN, 0, L.nx); // dx starts as garbage too
          native!.col2im(L.bytes, { col: L.colOff, dx: L.xOff, ...named(g) });
          const dx = L.heap.slice(0, L.nx);
          let left = 0;
          let right = 0;
          for (let i = 0; i < L.ncol; i++) left += col[i]! * c[i]!;
          for (let i = 0; i < L.nx; i++) right += x[i]! * dx[i]!;
          expect(right).to.equal(left);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('refuses an operand outside the heap and a geometry that is not one, naming the function', () => {
    const g: Geometry = {
      batch: 2,
      inH: 5,
      inW: 5,
      inC: 3,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      padTop: 0,
      padLeft: 0,
      padBottom: 0,
      padRight: 0,
    };
    const L = layout(g);
    expect(() => native!.im2col(L.bytes, { x: L.xOff, col: L.colOff + 8, ...named(g) })).to.throw(
      RangeError,
      /im2col: col .* outside the heap/,
    );
    expect(() => native!.col2im(L.bytes, { col: L.colOff, dx: L.bytes.length, ...named(g) })).to.throw(
      RangeError,
      /col2im: dx .* outside the heap/,
    );
    expect(() => native!.im2col(L.bytes, { x: L.xOff, col: L.colOff, ...named(g), strideH: 0 })).to.throw(
      RangeError,
      /im2col: strideH must be an integer from 1 to 2147483647, received 0/,
    );
    const { padTop: _, ...noPad } = named(g);
    expect(() => native!.maxPoolGrad(L.bytes, { x: 0, dy: 0, dx: 0, ...noPad } as never)).to.throw(
      TypeError,
      /maxPoolGrad: padTop must be given, received nothing/,
    );
  });
});
