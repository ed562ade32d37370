import { expect } from 'chai';
import fc from 'fast-check';
import { Dataset, NumpyDataset, SplitError, SubsetDataset, splitIndices, type DataDict } from '@fets/pipeline';

const ids = (ds: Dataset) => Array.from({ length: ds.length }, (_, i) => ds.get(i).id as number);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

class Squares extends Dataset {
  get length() {
    return 10;
  }
  get(i: number): DataDict {
    return { id: i, y: i * i };
  }
}

describe('pipeline/datasets: split', () => {
  it('moves a fraction out of the data set (FastEstimator semantics)', () => {
    const ds = new NumpyDataset({ id: range(100), y: range(100).map((i) => i % 2) });
    const part = ds.split(0.1, { seed: 3 });
    expect(part).to.be.instanceOf(SubsetDataset);
    expect(part.length).to.equal(10);
    expect(ds.length).to.equal(90);
    expect([...ids(ds), ...ids(part)].sort((a, b) => a - b)).to.deep.equal(range(100));
    expect(part.keys()).to.deep.equal(['id', 'y']);
    expect(part.get(0).y).to.equal((part.get(0).id as number) % 2);
  });

  it('returns several parts for several specs: fractions, counts and index lists', () => {
    const ds = new NumpyDataset({ id: range(50) });
    const [a, b, c] = ds.split(0.1, 7, [49, 0, 3], { seed: 1 }) as SubsetDataset[];
    expect([a!.length, b!.length, c!.length, ds.length]).to.deep.equal([5, 7, 3, 35]);
    expect(ids(c!)).to.deep.equal([49, 0, 3]);
    const all = [...ids(ds), ...ids(a!), ...ids(b!), ...ids(c!)].sort((x, y) => x - y);
    expect(all).to.deep.equal(range(50));
  });

  it('index lists refer to the current view after an earlier split', () => {
    const ds = new NumpyDataset({ id: range(10) });
    ds.split([0, 1]);
    expect(ids(ds)).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9]);
    const p = ds.split([0]);
    expect(ids(p)).to.deep.equal([2]);
    expect(ids(ds)[0]).to.equal(3);
  });

  it('a part is unaffected by later splits of its parent, and can be split itself', () => {
    const ds = new NumpyDataset({ id: range(20) });
    const part = ds.split(10, { seed: 5 });
    const before = ids(part);
    ds.split(0.5, { seed: 9 });
    expect(ids(part)).to.deep.equal(before);
    const sub = part.split(3, { seed: 2 });
    expect(sub.length).to.equal(3);
    expect(part.length).to.equal(7);
    expect([...ids(part), ...ids(sub)].sort((a, b) => a - b)).to.deep.equal([...before].sort((a, b) => a - b));
  });

  it('a custom Dataset is split through SubsetDataset', () => {
    const view = new SubsetDataset(new Squares());
    const part = view.split(0.3, { seed: 0 });
    expect(part.length).to.equal(3);
    for (const d of [view, part]) for (let i = 0; i < d.length; i++) expect(d.get(i).y).to.equal((d.get(i).id as number) ** 2);
  });

  it('rejects too many samples, bad fractions, out-of-range and repeated indices, unknown options', () => {
    const ds = () => new NumpyDataset({ id: range(10) });
    expect(() => ds().split(0.6, 0.6)).to.throw(SplitError, /ask for 12 samples but the data set has only 10/);
    expect(() => ds().split(11)).to.throw(SplitError, /only 10/);
    expect(() => ds().split(1.5)).to.throw(SplitError, /below 1/);
    expect(() => ds().split(0)).to.throw(SplitError, /fraction in \(0, 1\) or a count/);
    expect(() => ds().split([10])).to.throw(SplitError, /index 10 .* out of range/);
    expect(() => ds().split([1], [1])).to.throw(SplitError, /index 1 appears twice/);
    expect(() => ds().split(0.1, { sed: 1 } as never)).to.throw(/unknown option "sed", did you mean "seed"/);
    const d = ds();
    expect(() => d.split(0.6, 0.6)).to.throw();
    expect(d.length).to.equal(10);
  });

  it('never loses or duplicates a sample and repeats for a seed (property)', () => {
    const spec = fc.oneof(fc.double({ min: 0.01, max: 0.3, noNaN: true }), fc.integer({ min: 1, max: 10 }));
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 200 }), fc.array(spec, { minLength: 1, maxLength: 3 }), fc.integer(), (n, specs, seed) => {
        const run = () => {
          const ds = new NumpyDataset({ id: range(n) });
          const parts = ds.split(...specs, { seed });
          return [ds, ...(Array.isArray(parts) ? parts : [parts])].map(ids);
        };
        const a = run();
        expect(run()).to.deep.equal(a);
        expect(a.flat().sort((x, y) => x - y)).to.deep.equal(range(n));
        specs.forEach((s, k) => expect(a[k + 1]!.length).to.equal(Number.isInteger(s) ? s : Math.floor(s * n + 1e-9)));
      }),
      { numRuns: 200 },
    );
  });

  it('splitIndices: different seeds give different choices', () => {
    const a = splitIndices(1000, [0.1], { seed: 1 }).parts[0];
    const b = splitIndices(1000, [0.1], { seed: 2 }).parts[0];
    expect(a).to.not.deep.equal(b);
  });
});
