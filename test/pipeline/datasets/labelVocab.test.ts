import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigError, LabelError, LabelVocab } from '@fets/pipeline';

describe('pipeline/datasets: LabelVocab', () => {
  const seqs = [
    ['O', 'I-PER', 'B-PER'],
    ['B-LOC', 'O', 'E-LOC', 'S-LOC'],
    ['B-MISC', 'I-LOC', 'I-MISC'],
  ];

  it('sorted order: O first, then by entity type, prefixes B, I, E, S', () => {
    expect(LabelVocab.fromTags(seqs).labels).to.deep.equal(['O', 'B-LOC', 'I-LOC', 'E-LOC', 'S-LOC', 'B-MISC', 'I-MISC', 'B-PER', 'I-PER']);
  });

  it('first-seen order keeps appearance order after O; outside null puts nothing first', () => {
    expect(LabelVocab.fromTags(seqs, { order: 'first-seen' }).labels).to.deep.equal([
      'O',
      'I-PER',
      'B-PER',
      'B-LOC',
      'E-LOC',
      'S-LOC',
      'B-MISC',
      'I-LOC',
      'I-MISC',
    ]);
    expect(LabelVocab.fromTags([['NN', 'DT', 'VB']], { outside: null }).labels).to.deep.equal(['DT', 'NN', 'VB']);
    expect(LabelVocab.fromTags([['B-X']]).labels).to.deep.equal(['O', 'B-X']);
  });

  it('sorted order does not depend on the order of sequences or tags (property)', () => {
    const tag = fc.oneof(
      fc.constant('O'),
      fc.tuple(fc.constantFrom('B', 'I', 'E', 'S'), fc.constantFrom('PER', 'LOC', 'A_B', 'x')).map(([p, t]) => `${p}-${t}`),
    );
    fc.assert(
      fc.property(fc.array(fc.array(tag, { maxLength: 6 }), { maxLength: 8 }), (s) => {
        const flipped = [...s].reverse().map((q) => [...q].reverse());
        const a = LabelVocab.fromTags(s).labels;
        expect(LabelVocab.fromTags(flipped).labels).to.deep.equal(a);
        expect(a[0]).to.equal('O');
        expect(new Set(a).size).to.equal(a.length);
      }),
    );
  });

  it('id/tag/encode/decode and JSON round trip', () => {
    const v = LabelVocab.fromTags(seqs);
    expect(v.id('B-PER')).to.equal(7);
    expect(v.tag(7)).to.equal('B-PER');
    expect(v.decode(v.encode(['O', 'B-LOC', 'I-LOC']))).to.deep.equal(['O', 'B-LOC', 'I-LOC']);
    const back = LabelVocab.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(back.labels).to.deep.equal(v.labels);
  });

  it('errors name the tag and the known labels; bad ids, duplicates, bad options', () => {
    const v = new LabelVocab(['O', 'B-X']);
    expect(() => v.id('B-Y')).to.throw(LabelError, 'LabelVocab: unknown tag "B-Y" (known labels: O, B-X)');
    expect(() => v.tag(2)).to.throw(LabelError, 'id 2 is out of range 0..1');
    expect(() => v.tag(0.5)).to.throw(LabelError);
    expect(() => new LabelVocab(['O', 'O'])).to.throw(LabelError, /appears twice/);
    expect(() => LabelVocab.fromJSON({} as never)).to.throw(LabelError);
    expect(() => LabelVocab.fromTags(seqs, { order: 'random' as never })).to.throw(ConfigError, /order/);
  });
});
