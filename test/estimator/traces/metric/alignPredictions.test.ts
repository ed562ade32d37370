import { expect } from 'chai';
import fc from 'fast-check';
import { FetsError } from '@fets/pipeline';
import { alignPredictions } from '@fets/estimator/seqeval';

const LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC'];

describe('estimator/traces/metric: alignPredictions', () => {
  it('drops positions whose true id is the ignore index, one tag per word', () => {
    const labelIds = Int32Array.from([-100, 1, -100, 2, 0, 3, -100, -100]);
    const predIds = Int32Array.from([0, 1, 3, 1, 0, 0, 2, 2]);
    expect(alignPredictions(labelIds, predIds, LABELS)).to.deep.equal({
      yTrue: ['B-PER', 'I-PER', 'O', 'B-LOC'],
      yPred: ['B-PER', 'B-PER', 'O', 'O'],
    });
  });

  it('honours a custom ignore index', () => {
    expect(alignPredictions([0, 1, 2], [1, 1, 0], LABELS, 0)).to.deep.equal({
      yTrue: ['B-PER', 'I-PER'],
      yPred: ['B-PER', 'O'],
    });
  });

  it('rejects mismatched lengths and ids outside the labels', () => {
    expect(() => alignPredictions([1, 2], [1], LABELS)).to.throw(FetsError, /labelIds has 2 positions but predIds has 1/);
    expect(() => alignPredictions([1, 7], [1, 1], LABELS)).to.throw(FetsError, /label id 7 at position 1/);
    expect(() => alignPredictions([1, 2], [1, -100], LABELS)).to.throw(FetsError, /predicted id -100 at position 1/);
  });

  it('keeps exactly the non-ignored positions, in order (property)', () => {
    const pos = fc.tuple(fc.oneof(fc.constant(-100), fc.integer({ min: 0, max: 3 })), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(fc.array(pos, { maxLength: 40 }), (pairs) => {
        const { yTrue, yPred } = alignPredictions(
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
          LABELS,
        );
        const kept = pairs.filter((p) => p[0] !== -100);
        expect(yTrue).to.deep.equal(kept.map((p) => LABELS[p[0]]));
        expect(yPred).to.deep.equal(kept.map((p) => LABELS[p[1]]));
      }),
    );
  });
});
