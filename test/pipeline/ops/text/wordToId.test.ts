import { expect } from 'chai';
import { ConfigError, OpError, WordtoId, type PipelineState } from '@fets/pipeline';

const state: PipelineState = { mode: 'train', epoch: 1, dsId: '', random: () => 0.5 };

describe('WordtoId', () => {
  it('maps tokens with a record, a Map or a function', () => {
    const rec = new WordtoId({ inputs: 'w', outputs: 'x', mapping: { the: 1, dark: 2 } });
    expect(Array.from(rec.forward(['the', 'dark', 'the'], state))).to.deep.equal([1, 2, 1]);
    const map = new WordtoId({ inputs: 'w', outputs: 'x', mapping: new Map([['a', 5]]) });
    expect(Array.from(map.forward(['a'], state))).to.deep.equal([5]);
    const fn = new WordtoId({ inputs: 'w', outputs: 'x', mapping: (t: string) => t.length });
    expect(Array.from(fn.forward(['abc', ''], state))).to.deep.equal([3, 0]);
  });

  it('maps unknown tokens to unkId, never undefined (prototype keys are not tokens)', () => {
    const op = new WordtoId({ inputs: 'w', outputs: 'x', mapping: { the: 1 }, unkId: 0 });
    expect(Array.from(op.forward(['the', 'cat', 'constructor', 'toString'], state))).to.deep.equal([1, 0, 0, 0]);
    const fn = new WordtoId({ inputs: 'w', outputs: 'x', mapping: (t: string) => (t === 'a' ? 1 : undefined), unkId: 7 });
    expect(Array.from(fn.forward(['a', 'b'], state))).to.deep.equal([1, 7]);
  });

  it('without unkId, an unknown token is an OpError naming the op, the key and the token', () => {
    const op = new WordtoId({ inputs: 'words', outputs: 'x', mapping: { the: 1 } });
    expect(() => op.forward(['the', 'knight'], state)).to.throw(
      OpError,
      /WordtoId \(key "words"\): token "knight" at position 1 is not in the mapping and no unkId is set/,
    );
  });

  it('rejects bad options and bad values', () => {
    expect(() => new WordtoId({ inputs: 'w', outputs: 'x', mapping: { a: 1.5 } })).to.throw(ConfigError, /mapping/);
    expect(() => new WordtoId({ inputs: 'w', outputs: 'x', mapping: { a: 1 }, unkId: 'x' as never })).to.throw(ConfigError, /unkId/);
    const fn = new WordtoId({ inputs: 'w', outputs: 'x', mapping: () => 0.5 });
    expect(() => fn.forward(['a'], state)).to.throw(OpError, /expected an integer/);
    expect(() => fn.forward('a b', state)).to.throw(OpError, /expected an array of tokens/);
  });
});
