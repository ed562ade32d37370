import { expect } from 'chai';
import { ConfigError, NDArray, NumpyDataset } from '@fets/pipeline';

describe('pipeline/datasets: NumpyDataset', () => {
  it('serves sample i of every column, from JS arrays, typed arrays and NDArrays', () => {
    const ds = new NumpyDataset({
      x: new Float32Array([0.5, 1.5, 2.5]),
      y: ['a', 'b', 'c'],
      img: NDArray.from(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        'int32',
      ),
    });
    expect(ds.length).to.equal(3);
    expect(ds.keys()).to.deep.equal(['x', 'y', 'img']);
    const s = ds.get(2);
    expect(s.x).to.equal(2.5);
    expect(s.y).to.equal('c');
    expect((s.img as NDArray).toArray()).to.deep.equal([5, 6]);
  });

  it('returns a fresh dict each time', () => {
    const ds = new NumpyDataset({ x: [1, 2] });
    const a = ds.get(0);
    a.x = 99;
    (a as Record<string, unknown>).extra = true;
    expect(ds.get(0)).to.deep.equal({ x: 1 });
  });

  it('names both keys and lengths on a length mismatch', () => {
    expect(() => new NumpyDataset({ x: [1, 2, 3], y: [1, 2] })).to.throw(
      ConfigError,
      'NumpyDataset: columns must have equal lengths, but "x" has 3 and "y" has 2',
    );
    expect(() => new NumpyDataset({ x: 5 as never })).to.throw(ConfigError, /column "x": expected an array/);
    expect(() => new NumpyDataset({})).to.throw(ConfigError, /at least one column/);
  });

  it('rejects out-of-range indices', () => {
    const ds = new NumpyDataset({ x: [1, 2] });
    expect(() => ds.get(2)).to.throw(/index 2 is out of range for 2 samples/);
    expect(() => ds.get(-1)).to.throw(/out of range/);
  });

  it('fromRecords builds columns and checks every record has the same keys', () => {
    const ds = NumpyDataset.fromRecords([
      { x: 1, y: 'a' },
      { x: 2, y: 'b' },
    ]);
    expect(ds.get(1)).to.deep.equal({ x: 2, y: 'b' });
    expect(() => NumpyDataset.fromRecords([{ x: 1 }, { y: 2 }])).to.throw(ConfigError, /record 1 has keys \[y\], expected .*\[x\]/);
    expect(() => NumpyDataset.fromRecords([])).to.throw(ConfigError, /non-empty array/);
  });
});
