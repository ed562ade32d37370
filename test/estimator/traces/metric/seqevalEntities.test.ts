import { expect } from 'chai';
import { extractEntities, getEntities, SeqevalTagError, type Scheme } from '@fets/estimator/seqeval';

/** Entities of one sentence as [type, start, endExclusive]. */
const strict = (tags: string[], scheme: Scheme, suffix = false) =>
  extractEntities([tags], scheme, { suffix }).map((e) => [e.type, e.start, e.end]);

describe('estimator/traces/metric: seqeval entities', () => {
  describe('default mode (getEntities)', () => {
    it('finds chunks with inclusive ends', () => {
      expect(getEntities(['B-PER', 'I-PER', 'O', 'B-LOC'])).to.deep.equal([
        { type: 'PER', start: 0, end: 1 },
        { type: 'LOC', start: 3, end: 3 },
      ]);
    });

    it('is lenient: I- after O starts a chunk, a type change ends one, E and S close chunks', () => {
      expect(getEntities(['O', 'I-PER', 'I-PER', 'I-LOC', 'O'])).to.deep.equal([
        { type: 'PER', start: 1, end: 2 },
        { type: 'LOC', start: 3, end: 3 },
      ]);
      expect(getEntities(['B-ORG', 'E-ORG', 'S-PER', 'I-PER'])).to.deep.equal([
        { type: 'ORG', start: 0, end: 1 },
        { type: 'PER', start: 2, end: 2 },
        { type: 'PER', start: 3, end: 3 },
      ]);
    });

    it('flattens sentences with an O after each, so a chunk never crosses a sentence boundary', () => {
      expect(getEntities([['B-PER'], ['I-PER', 'I-PER']])).to.deep.equal([
        { type: 'PER', start: 0, end: 0 },
        { type: 'PER', start: 2, end: 3 },
      ]);
    });

    it('reads suffix tags and tags without a type (type "_")', () => {
      expect(getEntities(['PER-B', 'PER-I', 'O'], { suffix: true })).to.deep.equal([{ type: 'PER', start: 0, end: 1 }]);
      expect(getEntities(['B', 'I', 'O', 'B-ORG-X'])).to.deep.equal([
        { type: '_', start: 0, end: 1 },
        { type: 'ORG-X', start: 3, end: 3 },
      ]);
    });
  });

  describe('strict mode, one valid and one invalid entity per scheme', () => {
    it('IOB1: I- opens a chunk, B- only separates two chunks of the same type', () => {
      expect(strict(['O', 'I-PER', 'I-PER', 'B-PER', 'O'], 'IOB1')).to.deep.equal([
        ['PER', 1, 3],
        ['PER', 3, 4],
      ]);
      expect(strict(['O', 'B-PER', 'O'], 'IOB1')).to.deep.equal([]);
      expect(() => strict(['E-PER'], 'IOB1')).to.throw(SeqevalTagError, /IOB1: invalid tag "E-PER"/);
    });

    it('IOB2: every chunk begins with B-', () => {
      expect(strict(['B-LOC', 'I-LOC', 'O', 'B-PER'], 'IOB2')).to.deep.equal([
        ['LOC', 0, 2],
        ['PER', 3, 4],
      ]);
      expect(strict(['O', 'I-LOC', 'I-LOC'], 'IOB2')).to.deep.equal([]);
      expect(strict(['B-PER', 'I-LOC'], 'IOB2')).to.deep.equal([['PER', 0, 1]]);
    });

    it('IOE1: I- chunks, E- only separates two chunks of the same type', () => {
      expect(strict(['I-ORG', 'I-ORG', 'E-ORG', 'I-ORG', 'O'], 'IOE1')).to.deep.equal([
        ['ORG', 0, 3],
        ['ORG', 3, 4],
      ]);
      expect(strict(['O', 'E-PER', 'O'], 'IOE1')).to.deep.equal([]);
      expect(() => strict(['B-PER'], 'IOE1')).to.throw(SeqevalTagError, /allowed prefixes are I\|O\|E/);
    });

    it('IOE2: every chunk ends with E-', () => {
      expect(strict(['I-PER', 'E-PER', 'E-LOC'], 'IOE2')).to.deep.equal([
        ['PER', 0, 2],
        ['LOC', 2, 3],
      ]);
      expect(strict(['I-PER', 'O'], 'IOE2')).to.deep.equal([]);
    });

    it('IOBES: B-..E- or S-', () => {
      expect(strict(['S-PER', 'B-LOC', 'I-LOC', 'E-LOC'], 'IOBES')).to.deep.equal([
        ['PER', 0, 1],
        ['LOC', 1, 4],
      ]);
      expect(strict(['B-LOC', 'I-LOC', 'O'], 'IOBES')).to.deep.equal([]);
      expect(strict(['B-PER', 'E-LOC'], 'IOBES')).to.deep.equal([]);
    });

    it('BILOU: B-..L- or U-', () => {
      expect(strict(['U-PER', 'O', 'B-ORG', 'I-ORG', 'L-ORG'], 'BILOU')).to.deep.equal([
        ['PER', 0, 1],
        ['ORG', 2, 5],
      ]);
      expect(strict(['B-ORG', 'I-ORG', 'O'], 'BILOU')).to.deep.equal([]);
      expect(() => strict(['S-PER'], 'BILOU')).to.throw(SeqevalTagError, /BILOU: invalid tag "S-PER"/);
    });

    it('keeps the sentence index, reads suffix tags, and strips the delimiter from types', () => {
      expect(extractEntities([['O'], ['PER-B', 'PER-I']], 'IOB2', { suffix: true })).to.deep.equal([
        { sent: 1, type: 'PER', start: 0, end: 2 },
      ]);
      expect(strict(['B--ORG-X-', 'I-ORG-X'], 'IOB2')).to.deep.equal([['ORG-X', 0, 2]]);
    });

    it('rejects a tag whose prefix letter is unknown', () => {
      expect(() => strict(['O', 'X-PER'], 'IOBES')).to.throw(SeqevalTagError, /"X-PER" at sentence 0, position 1/);
      expect(() => strict([''], 'IOB2')).to.throw(SeqevalTagError);
    });
  });
});
