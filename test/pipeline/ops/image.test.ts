import { expect } from 'chai';
import fc from 'fast-check';
import {
  Affine,
  CenterCrop,
  ChannelTranspose,
  CoarseDropout,
  ExpandDims,
  HorizontalFlip,
  Minmax,
  NDArray,
  Normalize,
  NumpyDataset,
  Onehot,
  OpError,
  PadIfNeeded,
  Pipeline,
  RandomCrop,
  Resize,
  Rotate,
  VerticalFlip,
  seededRandom,
  type NumpyOp,
  type PipelineState,
} from '@fets/pipeline';

const state = (seed = 1): PipelineState => ({ mode: 'train', epoch: 1, dsId: '', random: seededRandom(seed) });
/** An int32 image whose pixel (y, x, c) holds y·100 + x·10 + c: every pixel says where it came from. */
const coded = (h: number, w: number, c = 1) =>
  new NDArray(
    Int32Array.from({ length: h * w * c }, (_, i) => Math.floor(i / (w * c)) * 100 + (Math.floor(i / c) % w) * 10 + (i % c)),
    c === 1 ? [h, w] : [h, w, c],
    'int32',
  );
const at = (a: NDArray, y: number, x: number, c = 0) => Number(a.data[(y * a.shape[1]! + x) * (a.shape[2] ?? 1) + c]);
const run = (op: NumpyOp, v: unknown, seed = 1) => op.forward(v, state(seed)) as NDArray | NDArray[];

describe('pipeline/ops/image', () => {
  it('Minmax scales each image to [0, 1] by its own extremes; a constant image gives zeros', () => {
    const out = run(new Minmax({ inputs: 'x', outputs: 'x' }), new NDArray(Int32Array.of(10, 20, 30, 50), [2, 2], 'int32')) as NDArray;
    expect(out.dtype).to.equal('float32');
    expect([...(out.data as Float32Array)]).to.deep.equal([0, 0.25, 0.5, 1]);
    const flat = run(new Minmax({ inputs: 'x', outputs: 'x' }), new NDArray(Int32Array.of(7, 7, 7, 7), [2, 2], 'int32')) as NDArray;
    expect([...(flat.data as Float32Array)]).to.deep.equal([0, 0, 0, 0]);
  });

  it('Normalize: (x / maxPixelValue − mean) / std per channel; a list must match the channels', () => {
    const img = new NDArray(Int32Array.of(255, 0, 51, 102), [1, 2, 2], 'int32');
    const op = new Normalize({ inputs: 'x', outputs: 'x', mean: [0.5, 0.2], std: [0.5, 0.2] });
    const out = run(op, img) as NDArray;
    const want = [(1 - 0.5) / 0.5, (0 - 0.2) / 0.2, (0.2 - 0.5) / 0.5, (0.4 - 0.2) / 0.2];
    (out.data as Float32Array).forEach((v, i) => expect(v).to.be.closeTo(want[i]!, 1e-6));
    expect(() => run(new Normalize({ inputs: 'x', outputs: 'x' }), img)).to.throw(
      OpError,
      /Normalize \(key "x"\): mean: expected 2 values \(one per channel\), received 3/,
    );
  });

  it('Onehot (with label smoothing) sums to 1; a bad id names the op and key', () => {
    const op = new Onehot({ inputs: 'y', outputs: 'y', numClasses: 4, labelSmoothing: 0.2 });
    const v = [...((run(op, 2) as NDArray).data as Float32Array)];
    expect(v[2]).to.be.closeTo(0.85, 1e-6);
    expect(v[0]).to.be.closeTo(0.05, 1e-6);
    expect(v.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-6);
    expect(() => run(op, 4)).to.throw(OpError, /Onehot \(key "y"\): expected a class id in \[0, 4\), received 4/);
  });

  it('ExpandDims adds a channel axis without copying; ChannelTranspose moves channels first', () => {
    const img = coded(3, 4);
    const e = run(new ExpandDims({ inputs: 'x', outputs: 'x' }), img) as NDArray;
    expect(e.shape).to.deep.equal([3, 4, 1]);
    expect(e.data).to.equal(img.data);
    const t = run(new ChannelTranspose({ inputs: 'x', outputs: 'x' }), coded(2, 3, 2)) as NDArray;
    expect(t.shape).to.deep.equal([2, 2, 3]);
    expect(Number(t.data[6])).to.equal(1); // channel 1 of pixel (0, 0)
  });

  it('flips mirror exactly and twice is the identity; CenterCrop takes the middle', () => {
    const img = coded(4, 5, 2);
    const h = run(new HorizontalFlip({ inputs: 'x', outputs: 'x', prob: 1 }), img) as NDArray;
    expect(at(h, 1, 0, 1)).to.equal(at(img, 1, 4, 1));
    const v = run(new VerticalFlip({ inputs: 'x', outputs: 'x', prob: 1 }), img) as NDArray;
    expect(at(v, 0, 2)).to.equal(at(img, 3, 2));
    expect(run(new HorizontalFlip({ inputs: 'x', outputs: 'x', prob: 1 }), h)).to.deep.equal(img);
    expect(run(new HorizontalFlip({ inputs: 'x', outputs: 'x', prob: 0 }), img)).to.deep.equal(img);
    const c = run(new CenterCrop({ inputs: 'x', outputs: 'x', height: 2, width: 3 }), img) as NDArray;
    expect(c.shape).to.deep.equal([2, 3, 2]);
    expect(at(c, 0, 0)).to.equal(at(img, 1, 1));
  });

  it('PadIfNeeded: reflect-101 mirrors without repeating the edge; constant fills; bigger images pass', () => {
    const img = new NDArray(Int32Array.of(1, 2, 3), [1, 3], 'int32');
    const r = run(new PadIfNeeded({ inputs: 'x', outputs: 'x', minHeight: 1, minWidth: 7 }), img) as NDArray;
    expect([...(r.data as Int32Array)]).to.deep.equal([3, 2, 1, 2, 3, 2, 1]);
    const k = run(
      new PadIfNeeded({ inputs: 'x', outputs: 'x', minHeight: 3, minWidth: 3, borderMode: 'constant', value: 9 }),
      img,
    ) as NDArray;
    expect([...(k.data as Int32Array)]).to.deep.equal([9, 9, 9, 1, 2, 3, 9, 9, 9]);
    expect(run(new PadIfNeeded({ inputs: 'x', outputs: 'x', minHeight: 1, minWidth: 2 }), img)).to.deep.equal(img);
  });

  it('Rotate by 90° is the exact quarter turn; Affine with nothing drawn is the identity; Resize keeps a constant image', () => {
    const img = coded(5, 5);
    const r = run(new Rotate({ inputs: 'x', outputs: 'x', limit: [90, 90] }), img) as NDArray;
    // p' = R·p: the source of output (y, x) is (4 − x, y) for a 90° turn about the centre (x right, y down).
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) expect(at(r, y, x)).to.equal(at(img, 4 - x, y) ?? 0);
    expect(run(new Affine({ inputs: 'x', outputs: 'x' }), img)).to.deep.equal(img);
    const flat = new NDArray(new Float32Array(16).fill(0.5), [4, 4], 'float32');
    const small = run(new Resize({ inputs: 'x', outputs: 'x', height: 2, width: 3 }), flat) as NDArray;
    expect(small.shape).to.deep.equal([2, 3]);
    for (const v of small.data as Float32Array) expect(v).to.be.closeTo(0.5, 1e-6);
  });

  it('CoarseDropout fills its holes in the image and the same holes in the mask', () => {
    const img = new NDArray(new Int32Array(100).fill(7), [10, 10], 'int32');
    const mask = new NDArray(new Int32Array(100).fill(1), [10, 10], 'int32');
    const op = new CoarseDropout({
      inputs: ['x', 'm'],
      outputs: ['x', 'm'],
      masks: ['m'],
      maxHoles: 3,
      maxHeight: 4,
      maxWidth: 4,
      maskFill: 0,
    });
    const [x, m] = run(op, [img, mask], 3) as NDArray[];
    const holes = [...(x!.data as Int32Array)].map((v) => v === 0);
    expect(holes.some(Boolean)).to.equal(true);
    expect(holes.filter(Boolean).length).to.be.at.most(3 * 16);
    expect([...(m!.data as Int32Array)].map((v) => v === 0)).to.deep.equal(holes);
  });

  it('property: geometric ops move an image and its mask together, keep shapes, and repeat for a seed', () => {
    const ops: NumpyOp[] = [
      new HorizontalFlip({ inputs: ['x', 'm'], outputs: ['x', 'm'], masks: ['m'] }),
      new VerticalFlip({ inputs: ['x', 'm'], outputs: ['x', 'm'], masks: ['m'] }),
      new RandomCrop({ inputs: ['x', 'm'], outputs: ['x', 'm'], masks: ['m'], height: 6, width: 5 }),
      new PadIfNeeded({ inputs: ['x', 'm'], outputs: ['x', 'm'], masks: ['m'], minHeight: 12, minWidth: 13 }),
      new Rotate({ inputs: ['x', 'm'], outputs: ['x', 'm'], masks: ['m'], limit: [90, 90] }),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: ops.length - 1 }),
        fc.integer({ min: 8, max: 11 }),
        fc.integer({ min: 0, max: 1e6 }),
        (k, size, seed) => {
          const img = coded(size, size, 3);
          // The mask holds each pixel's position: after the op it must still point at the image pixel under it.
          const mask = new NDArray(
            Int32Array.from({ length: size * size }, (_, i) => i),
            [size, size],
            'int32',
          );
          const [x, m] = run(ops[k]!, [img, mask], seed) as NDArray[];
          const again = run(ops[k]!, [img, mask], seed) as NDArray[];
          expect(again).to.deep.equal([x, m]);
          expect(x!.shape.slice(0, 2)).to.deep.equal(m!.shape);
          for (let y = 0; y < m!.shape[0]!; y++) {
            for (let xx = 0; xx < m!.shape[1]!; xx++) {
              const src = Number(m!.data[y * m!.shape[1]! + xx]);
              for (let c = 0; c < 3; c++) expect(at(x!, y, xx, c)).to.equal(Number(img.data[src * 3 + c]));
            }
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('property: boxes move with the image: the moved box encloses exactly the moved pixels it covered', () => {
    // The box's pixels are a mask (nearest sampling, no blur): after the op, the pixels still marked must fill the
    // moved box (clipped), exactly for flips, crops, padding and quarter turns, within a pixel for resizes and
    // arbitrary rotations, zooms and shears.
    const mk = (format: 'coco' | 'pascal_voc') => {
      const io = { inputs: ['x', 'm', 'b'], outputs: ['x', 'm', 'b'], masks: ['m'], boxes: ['b'], boxFormat: format };
      return [
        { op: new HorizontalFlip(io), tol: 0 },
        { op: new VerticalFlip(io), tol: 0 },
        { op: new RandomCrop({ ...io, height: 7, width: 6 }), tol: 0 },
        { op: new CenterCrop({ ...io, height: 8, width: 9 }), tol: 0 },
        { op: new PadIfNeeded({ ...io, minHeight: 15, minWidth: 14, borderMode: 'constant' }), tol: 0 },
        { op: new Rotate({ ...io, limit: [90, 90] }), tol: 0 },
        { op: new Rotate({ ...io, limit: [-90, -90] }), tol: 0 },
        { op: new CoarseDropout({ ...io, maxHoles: 2 }), tol: -1 }, // holes move nothing: the box stays as it was
        { op: new Resize({ ...io, height: 17, width: 9 }), tol: 1 },
        { op: new Affine({ ...io, rotate: 30, scale: [0.8, 1.2], translate: 0.15, shear: 10 }), tol: 1.5 },
      ];
    };
    const opsBy = { coco: mk('coco'), pascal_voc: mk('pascal_voc') };
    fc.assert(
      fc.property(
        fc.constantFrom('coco' as const, 'pascal_voc' as const),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 10, max: 12 }),
        fc.tuple(
          fc.integer({ min: 0, max: 9 }),
          fc.integer({ min: 0, max: 9 }),
          fc.integer({ min: 2, max: 6 }),
          fc.integer({ min: 2, max: 6 }),
        ),
        fc.integer({ min: 0, max: 1e6 }),
        (format, k, size, [bx, by, bw, bh], seed) => {
          const { op, tol } = opsBy[format][k]!;
          const w = Math.min(bw, size - bx);
          const h = Math.min(bh, size - by);
          const mask = new NDArray(new Int32Array(size * size), [size, size], 'int32');
          for (let y = by; y < by + h; y++) for (let x = bx; x < bx + w; x++) mask.data[y * size + x] = 1;
          const box = format === 'coco' ? [bx, by, w, h, 7] : [bx, by, bx + w, by + h, 7];
          const [x, m, b] = run(op, [coded(size, size), mask, [box]], seed) as NDArray[];
          expect(run(op, [coded(size, size), mask, [box]], seed)).to.deep.equal([x, m, b]); // seeded
          expect(b!.dtype).to.equal('float32');
          if (tol < 0) {
            expect(Array.from(b!.data as Float32Array)).to.deep.equal(box);
            return;
          }
          const [H, W] = m!.shape as [number, number];
          let [x1, y1, x2, y2] = [W, H, 0, 0];
          for (let y = 0; y < H; y++) {
            for (let xx = 0; xx < W; xx++) {
              if (m!.data[y * W + xx] !== 1) continue;
              [x1, y1, x2, y2] = [Math.min(x1, xx), Math.min(y1, y), Math.max(x2, xx + 1), Math.max(y2, y + 1)];
            }
          }
          const marked = x2 > x1;
          if (b!.shape[0] === 0) {
            // Dropped: at most a sliver of marked pixels remains (moved out but for interpolation).
            if (marked) expect(Math.min(x2 - x1, y2 - y1)).to.be.at.most(tol);
            return;
          }
          expect(b!.shape).to.deep.equal([1, 5]);
          const r = Array.from(b!.data as Float32Array);
          expect(r[4]).to.equal(7); // the label rides along
          const got = format === 'coco' ? [r[0]!, r[1]!, r[0]! + r[2]!, r[1]! + r[3]!] : r.slice(0, 4);
          // Inside the image (float32 rounding aside).
          got.forEach((v, i) => expect(v).to.be.within(-1e-4, (i % 2 === 0 ? W : H) + 1e-4));
          if (!marked) {
            expect(Math.min(got[2]! - got[0]!, got[3]! - got[1]!)).to.be.at.most(tol);
            return;
          }
          const want = [x1, y1, x2, y2];
          // The box always holds the marked pixels; it fits them when it was not clipped (a rotated box cut by the
          // border encloses the whole moved rectangle's corners, as albumentations' does).
          const msg = `box ${got} vs pixels ${want}`;
          expect(got[0]! - tol - 1e-4, msg).to.be.at.most(x1);
          expect(got[1]! - tol - 1e-4, msg).to.be.at.most(y1);
          expect(got[2]! + tol + 1e-4, msg).to.be.at.least(x2);
          expect(got[3]! + tol + 1e-4, msg).to.be.at.least(y2);
          const clipped = got[0]! < 1e-3 || got[1]! < 1e-3 || got[2]! > W - 1e-3 || got[3]! > H - 1e-3;
          if (tol === 0 || !clipped) got.forEach((v, i) => expect(Math.abs(v - want[i]!), `side ${i}: ${msg}`).to.be.at.most(tol + 1e-4));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('boxes: bad values and ops that cannot move them are clear errors at the right time', () => {
    const io = { inputs: ['x', 'b'], outputs: ['x', 'b'], boxes: ['b'] };
    const flip = new HorizontalFlip({ ...io, prob: 1 });
    expect(() => run(flip, [coded(4, 4), [[1, 2, 3]]])).to.throw(OpError, /HorizontalFlip \(key "b"\): expected boxes .* received row 0/);
    expect(() => run(flip, [coded(4, 4), new NDArray(new Float32Array(6), [2, 3], 'float32')])).to.throw(
      OpError,
      /key "b"\): expected boxes .*received shape \[2, 3\]/,
    );
    expect(() => new HorizontalFlip({ ...io, boxes: ['c'] })).to.throw(OpError, /boxes: expected input keys, "c" is not an input/);
    expect(() => new HorizontalFlip({ inputs: 'b', outputs: 'b', boxes: ['b'] })).to.throw(
      OpError,
      /expected an image input besides the boxes/,
    );
    // No boxes at all is fine: an empty [0, 5] comes back.
    const [, none] = run(flip, [coded(4, 4), new NDArray(new Float32Array(0), [0, 5], 'float32')]) as NDArray[];
    expect(none!.shape).to.deep.equal([0, 5]);
    // pascal_voc and coco agree on the same box.
    const [, voc] = run(new HorizontalFlip({ ...io, prob: 1, boxFormat: 'pascal_voc' }), [coded(4, 6), [[1, 0, 3, 2]]]) as NDArray[];
    expect(Array.from(voc!.data as Float32Array)).to.deep.equal([3, 0, 5, 2]);
    const [, coco] = run(flip, [coded(4, 6), [[1, 0, 2, 2]]]) as NDArray[];
    expect(Array.from(coco!.data as Float32Array)).to.deep.equal([3, 0, 2, 2]);
  });

  it('bad input names the op, the key and, in a Pipeline, the sample', async () => {
    expect(() => run(new Minmax({ inputs: 'x', outputs: 'x' }), new NDArray(new Float32Array(4), [4], 'float32'))).to.throw(
      OpError,
      /Minmax \(key "x"\): expected an image of rank 2 \[H, W\] or 3 \[H, W, C\], received shape \[4\]/,
    );
    expect(() => run(new HorizontalFlip({ inputs: 'x', outputs: 'x' }), 'a.png')).to.throw(
      OpError,
      /expected an image \(NDArray \[H, W\] or \[H, W, C\]\), received/,
    );
    expect(() =>
      run(new Normalize({ inputs: 'x', outputs: 'x', mean: 0, std: 1 }), new NDArray(['a', 'b', 'c', 'd'], [2, 2], 'string')),
    ).to.throw(OpError, /Normalize \(key "x"\): expected float32 or int32 pixels, received string/);
    expect(() => run(new RandomCrop({ inputs: 'x', outputs: 'x', height: 9, width: 2 }), coded(4, 4))).to.throw(
      OpError,
      /at least 9×2, received 4×4 \(pad it first/,
    );
    const ds = new NumpyDataset({ x: [coded(4, 4), new NDArray(new Float32Array(3), [3], 'float32')] });
    const p = new Pipeline({ trainData: ds, batchSize: 1, shuffle: false, ops: [new Minmax({ inputs: 'x', outputs: 'x' })] });
    let err: unknown;
    try {
      for await (const _ of p.batches({ mode: 'train' })) void _;
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/Minmax \(key "x"\): expected an image of rank 2.*\[sample 1 of the train data\]/);
  });
});
