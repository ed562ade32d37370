import { expect } from 'chai';
import fc from 'fast-check';
import { permutation, randomInt, seededRandom, shuffleInPlace } from '@fets/pipeline';

describe('pipeline/core: seeded random numbers', () => {
  it('repeats the same stream for the same seed and differs for neighbouring seeds', () => {
    const a = Array.from({ length: 5 }, seededRandom(42));
    const b = Array.from({ length: 5 }, seededRandom(42));
    const c = Array.from({ length: 5 }, seededRandom(43));
    expect(a).to.deep.equal(b);
    expect(a).to.not.deep.equal(c);
    for (const v of a) expect(v).to.be.within(0, 1 - 2 ** -32);
  });

  it('is fixed across machines: splitmix32 values for seed 0 (checked against a Python reference)', () => {
    // Changing the generator would move every seeded split and shuffle: these values pin it.
    const r = seededRandom(0);
    expect([r(), r(), r()].map((v) => v * 2 ** 32)).to.deep.equal([2462723854, 1020716019, 454327756]);
    expect(permutation(10, seededRandom(42))).to.deep.equal([9, 4, 1, 6, 3, 7, 5, 0, 8, 2]);
  });

  it('accepts non-integer, negative and huge seeds deterministically, rejects NaN', () => {
    for (const s of [-1, 0.5, 2 ** 40, -(2 ** 53)]) expect(seededRandom(s)()).to.equal(seededRandom(s)());
    expect(seededRandom(0.5)()).to.not.equal(seededRandom(0.25)());
    expect(() => seededRandom(NaN)).to.throw(/finite/);
  });

  it('draws roughly uniform values (mean and buckets of 100k draws)', () => {
    const r = seededRandom(7);
    const buckets = new Array(10).fill(0);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = r();
      sum += v;
      buckets[Math.floor(v * 10)]++;
    }
    expect(sum / 100_000).to.be.closeTo(0.5, 0.01);
    for (const b of buckets) expect(b).to.be.within(9_500, 10_500);
    for (let i = 0; i < 1000; i++) expect(randomInt(r, 3)).to.be.oneOf([0, 1, 2]);
  });

  it('permutation is a permutation of 0..n-1 and repeatable for a seed (property)', () => {
    fc.assert(
      fc.property(fc.nat(300), fc.integer(), (n, seed) => {
        const p = permutation(n, seededRandom(seed));
        expect(p).to.deep.equal(permutation(n, seededRandom(seed)));
        expect([...p].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });

  it('shuffleInPlace keeps the multiset and returns the same array', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.integer(), (arr, seed) => {
        const copy = [...arr];
        const out = shuffleInPlace(copy, seededRandom(seed));
        expect(out).to.equal(copy);
        expect([...out].sort()).to.deep.equal([...arr].sort());
      }),
    );
  });

  it('every position is reachable: first element of permutation(4) over many seeds hits all 4', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 64; s++) seen.add(permutation(4, seededRandom(s))[0]!);
    expect([...seen].sort()).to.deep.equal([0, 1, 2, 3]);
  });
});
