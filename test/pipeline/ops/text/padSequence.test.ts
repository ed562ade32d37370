import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigError, OpError, PadSequence, type PipelineState } from '@fets/pipeline';

const state: PipelineState = { mode: 'train', epoch: 1, dsId: '', random: () => 0.5 };

describe('PadSequence', () => {
  it('pads at the end by default and keeps the head when truncating', () => {
    const op = new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 5 });
    expect(op.forward([7, 8, 9], state)).to.deep.equal([7, 8, 9, 0, 0]);
    expect(op.forward([1, 2, 3, 4, 5, 6, 7, 8], state)).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('prepends with append=false, keeps the tail with truncate=head, pads strings and typed arrays', () => {
    expect(new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 4, append: false, value: -1 }).forward([1, 2], state)).to.deep.equal([
      -1, -1, 1, 2,
    ]);
    expect(new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 2, truncate: 'head' }).forward([1, 2, 3], state)).to.deep.equal([2, 3]);
    expect(new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 3, value: '<pad>' }).forward(['a'], state)).to.deep.equal([
      'a',
      '<pad>',
      '<pad>',
    ]);
    const typed = new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 4, value: 9 }).forward(Int32Array.of(1, 2), state);
    expect(typed).to.be.instanceOf(Int32Array);
    expect(Array.from(typed)).to.deep.equal([1, 2, 9, 9]);
  });

  it('property: output length is maxLen and the head is kept (padding after it)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 50 }), fc.integer(), fc.boolean(), (xs, maxLen, value, typed) => {
        const op = new PadSequence({ inputs: 'x', outputs: 'x', maxLen, value });
        const input = typed ? Int32Array.from(xs) : xs;
        const out = Array.from(op.forward(input, state) as ArrayLike<number>);
        const kept = Math.min(xs.length, maxLen);
        expect(out).to.have.length(maxLen);
        expect(out.slice(0, kept)).to.deep.equal(Array.from(input).slice(0, kept));
        expect(out.slice(kept)).to.deep.equal(new Array(maxLen - kept).fill(typed ? value | 0 : value));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects maxLen 0 with a ConfigError naming the key, and non-sequences with an OpError', () => {
    expect(() => new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 0 })).to.throw(ConfigError, /PadSequence: maxLen: .*received 0/);
    expect(() => new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 2.5 })).to.throw(ConfigError, /maxLen/);
    expect(() => new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 3, truncate: 'middle' as never })).to.throw(ConfigError, /truncate/);
    expect(() => new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 3 }).forward(5, state)).to.throw(
      OpError,
      /PadSequence \(key "x"\): expected an array/,
    );
    expect(() => new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 3, value: 'p' }).forward(Int32Array.of(1), state)).to.throw(
      OpError,
      /cannot pad a Int32Array/,
    );
  });
});
