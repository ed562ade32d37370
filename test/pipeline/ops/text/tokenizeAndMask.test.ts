import { expect } from 'chai';
import { AttentionMask, ConfigError, OpError, Tokenize, type PipelineState } from '@fets/pipeline';

const state: PipelineState = { mode: 'train', epoch: 1, dsId: '', random: () => 0.5 };

describe('Tokenize', () => {
  it('splits on whitespace by default, optionally lower-cased', () => {
    expect(new Tokenize({ inputs: 't', outputs: 'w' }).forward('  The Dark\tKnight\n', state)).to.deep.equal(['The', 'Dark', 'Knight']);
    expect(new Tokenize({ inputs: 't', outputs: 'w', toLowerCase: true }).forward('The\u00a0Dark', state)).to.deep.equal(['the', 'dark']);
    expect(new Tokenize({ inputs: 't', outputs: 'w' }).forward('', state)).to.deep.equal([]);
  });

  it('uses tokenizeFn when given', () => {
    const op = new Tokenize({ inputs: 't', outputs: 'w', tokenizeFn: (s: string) => s.split(','), toLowerCase: true });
    expect(op.forward('A,b,C', state)).to.deep.equal(['a', 'b', 'c']);
  });

  it('rejects non-strings and bad options', () => {
    expect(() => new Tokenize({ inputs: 't', outputs: 'w' }).forward(['a'], state)).to.throw(
      OpError,
      /Tokenize \(key "t"\): expected a string/,
    );
    expect(() => new Tokenize({ inputs: 't', outputs: 'w', tokenizeFn: 'split' as never })).to.throw(ConfigError, /tokenizeFn/);
  });
});

describe('AttentionMask', () => {
  it('is 1 where the id is not padId, else 0', () => {
    expect(Array.from(new AttentionMask({ inputs: 'x', outputs: 'm' }).forward([101, 2054, 102, 0, 0], state))).to.deep.equal([
      1, 1, 1, 0, 0,
    ]);
    const op = new AttentionMask({ inputs: 'x', outputs: 'm', padId: -1 });
    expect(Array.from(op.forward(Int32Array.of(0, 5, -1), state))).to.deep.equal([1, 1, 0]);
    expect(op.padValues).to.deep.equal({ m: 0 });
  });

  it('rejects non-arrays and bad options', () => {
    expect(() => new AttentionMask({ inputs: 'x', outputs: 'm' }).forward('abc', state)).to.throw(OpError, /expected an array of ids/);
    expect(() => new AttentionMask({ inputs: 'x', outputs: 'm', padID: 0 } as never)).to.throw(ConfigError, /did you mean "padId"/);
  });
});
