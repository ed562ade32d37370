import { expect } from 'chai';
import fc from 'fast-check';
import { BertTokenize, BertWordPieceTokenizer, ConfigError, OpError, type PipelineState } from '@fets/pipeline';
import { shared } from '../../../helpers.js';

const state: PipelineState = { mode: 'train', epoch: 1, dsId: '', random: () => 0.5 };
/** Runs the op on one sample; the outputs are Int32Arrays (none undefined when tags are given). */
const run = (op: BertTokenize, data: unknown, st: PipelineState = state): Int32Array[] => {
  const r = op.forward(data, st);
  return (Array.isArray(r) ? r : [r]) as Int32Array[];
};
const LABELS = ['O', 'B-ACTOR', 'I-ACTOR', 'B-TITLE', 'I-TITLE', 'B-YEAR'];

describe('BertTokenize', () => {
  let tokenizer: BertWordPieceTokenizer;
  before(async () => {
    tokenizer = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), { lowercase: true });
  });
  const make = (extra: Record<string, unknown> = {}) =>
    new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels: LABELS, maxLen: 48, ...extra });

  it('gives ids with [CLS]/[SEP] and the label on the first sub-token only', () => {
    const op = make();
    const [x, y] = run(
      op,
      [
        ['whats', 'unaffable', 'bruce', 'willis'],
        ['O', 'B-TITLE', 'B-ACTOR', 'I-ACTOR'],
      ],
      state,
    );
    expect(tokenizer.convertIdsToTokens(x)).to.deep.equal(['[CLS]', 'what', '##s', 'una', '##ffa', '##ble', 'bruce', 'willis', '[SEP]']);
    expect(x).to.be.instanceOf(Int32Array);
    expect(Array.from(y)).to.deep.equal([-100, 0, -100, 3, -100, -100, 1, 2, -100]);
  });

  it('labelAllTokens labels every sub-token, continuing B-X as I-X when I-X exists', () => {
    const op = make({ labelAllTokens: true });
    const [, y] = run(
      op,
      [
        ['unaffable', 'unaffable', '1999s'],
        ['B-TITLE', 'B-ACTOR', 'B-YEAR'],
      ],
      state,
    );
    // 'unaffable' → 3 pieces; '1999s' → 2 pieces; B-YEAR has no I-YEAR so it repeats
    expect(Array.from(y)).to.deep.equal([-100, 3, 4, 4, 1, 2, 2, 5, 5, -100]);
  });

  it('truncates keeping [CLS] and [SEP]; pad fills ids with [PAD], labels with ignoreIndex', () => {
    const op = make({ maxLen: 5, pad: false });
    const [x, y] = run(
      op,
      [
        ['whats', 'unaffable'],
        ['O', 'B-TITLE'],
      ],
      state,
    );
    expect(tokenizer.convertIdsToTokens(x)).to.deep.equal(['[CLS]', 'what', '##s', 'una', '[SEP]']);
    expect(Array.from(y)).to.deep.equal([-100, 0, -100, 3, -100]);
    const padded = new BertTokenize({
      inputs: ['words', 'tags'],
      outputs: ['x', 'y', 't', 'm', 'w'],
      tokenizer,
      labels: LABELS,
      maxLen: 8,
      pad: true,
      ignoreIndex: -1,
      returnAttentionMask: true,
      returnWordIds: true,
      returnTokenTypeIds: true,
    });
    expect(padded.outputKinds).to.deep.equal(['inputIds', 'labels', 'tokenTypeIds', 'attentionMask', 'wordIds']);
    const [px, py, pt, pm, pw] = run(
      padded,
      [
        ['whats', 'up'],
        ['O', 'O'],
      ],
      state,
    );
    expect(Array.from(px)).to.deep.equal([101, 2054, 2015, 2039, 102, 0, 0, 0]);
    expect(Array.from(py)).to.deep.equal([-1, 0, -1, 0, -1, -1, -1, -1]);
    expect(Array.from(pt)).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(pm)).to.deep.equal([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(pw)).to.deep.equal([-1, 0, 0, 1, -1, -1, -1, -1]);
  });

  it('declares pad values per output for Batch (ids: [PAD], labels: ignoreIndex, word ids: -1)', () => {
    const op = new BertTokenize({
      inputs: ['words', 'tags'],
      outputs: ['x', 'y', 'w'],
      tokenizer,
      labels: LABELS,
      returnWordIds: true,
    });
    expect(op.padValues).to.deep.equal({ x: 0, y: -100, w: -1 });
  });

  it('in inference (no tags input, or tags missing) gives ids and word ids and writes no labels', () => {
    const idsOnly = new BertTokenize({ inputs: 'words', outputs: ['x', 'w'], tokenizer, returnWordIds: true });
    const [x, w] = run(idsOnly, ['the', 'dark', 'knight'], { ...state, mode: 'infer' });
    expect(Array.from(x)).to.deep.equal([101, 1996, 2601, 5000, 102]);
    expect(Array.from(w)).to.deep.equal([-1, 0, 1, 2, -1]);
    const op = make();
    const data: Record<string, unknown> = { words: ['the', 'dark', 'knight'] };
    op.apply(data, { ...state, mode: 'infer' });
    expect(Array.from(data.x as Int32Array)).to.deep.equal([101, 1996, 2601, 5000, 102]);
    expect(data).to.not.have.property('y');
    expect(op.optionalInputs).to.deep.equal(['tags']);
  });

  it('rejects an unknown tag, naming the op, key, tag and the known labels', () => {
    expect(() => run(make(), [['bruce'], ['B-ACTRESS']], state)).to.throw(
      OpError,
      /BertTokenize \(key "tags"\): tag "B-ACTRESS" \(word 0\) is not in labels \(6 known: O, B-ACTOR, I-ACTOR, B-TITLE, I-TITLE, B-YEAR\)/,
    );
  });

  it('rejects words/tags of different lengths with both lengths', () => {
    expect(() => run(make(), [['bruce', 'willis'], ['B-ACTOR']], state)).to.throw(
      OpError,
      /BertTokenize \(key "tags"\): expected one tag per word: 2 words \("words"\) but 1 tags \("tags"\)/,
    );
  });

  it('rejects non-array words and non-string words', () => {
    expect(() => run(make(), ['bruce willis', ['B-ACTOR', 'I-ACTOR']], state)).to.throw(OpError, /split it first/);
    expect(() =>
      run(
        make(),
        [
          ['bruce', 7],
          ['B-ACTOR', 'I-ACTOR'],
        ],
        state,
      ),
    ).to.throw(OpError, /word 1: expected a string, received 7/);
  });

  it('validates options at construction (ConfigError)', () => {
    expect(() => new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x'], tokenizer, labels: LABELS })).to.throw(
      ConfigError,
      /BertTokenize: outputs: expected 2 keys \(inputIds, labels\)/,
    );
    expect(() => new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer })).to.throw(ConfigError, /labels/);
    expect(() => new BertTokenize({ inputs: 'words', outputs: 'x', tokenizer, maxLen: 2 })).to.throw(ConfigError, /maxLen/);
    expect(() => new BertTokenize({ inputs: 'words', outputs: 'x', tokenizer: {} as never })).to.throw(ConfigError, /tokenizer/);
    expect(() => new BertTokenize({ inputs: 'words', outputs: 'x', tokenizer, maxlen: 4 } as never)).to.throw(
      ConfigError,
      /did you mean "maxLen"/,
    );
  });

  describe('label alignment properties', () => {
    const vocabWords = ['the', 'dark', 'knight', 'whats', 'unaffable', 'pg-13', '1999s', 'héllo', '中国', '😀', '', ' ', 'a'.repeat(120)];
    const wordArb = fc.oneof(fc.constantFrom(...vocabWords), fc.string({ unit: 'grapheme', maxLength: 10 }));
    const sampleArb = fc
      .array(fc.tuple(wordArb, fc.constantFrom(...LABELS)), { maxLength: 30 })
      .map((pairs) => ({ words: pairs.map((p) => p[0]), tags: pairs.map((p) => p[1]) }));

    it('one non-ignored label per surviving word, on its first sub-token; specials and rest ignored', () => {
      fc.assert(
        fc.property(sampleArb, fc.integer({ min: 3, max: 40 }), fc.boolean(), ({ words, tags }, maxLen, pad) => {
          const op = new BertTokenize({
            inputs: ['words', 'tags'],
            outputs: ['x', 'y', 'w'],
            tokenizer,
            labels: LABELS,
            maxLen,
            pad,
            returnWordIds: true,
          });
          const [x, y, w] = run(op, [words, tags], state);
          const ref = tokenizer.encode(words, { maxLength: maxLen });
          const n = ref.inputIds.length;
          expect(y.length).to.equal(x.length);
          expect(w.length).to.equal(x.length);
          expect(x.length).to.equal(pad ? maxLen : n);
          expect(Array.from(x.subarray(0, n))).to.deep.equal(ref.inputIds);
          expect(x[0]).to.equal(tokenizer.clsId);
          expect(x[n - 1]).to.equal(tokenizer.sepId);
          expect(y[0]).to.equal(-100);
          for (let i = n - 1; i < y.length; i++) expect(y[i]).to.equal(-100);
          const surviving = new Set(ref.wordIds.filter((v): v is number => v !== null));
          const labelled = new Map<number, number>();
          for (let i = 0; i < y.length; i++) {
            if (y[i] === -100) continue;
            const word = w[i]!;
            expect(labelled.has(word), `word ${word} labelled twice`).to.equal(false);
            labelled.set(word, i);
            expect(y[i]).to.equal(LABELS.indexOf(tags[word]!));
            expect(ref.wordIds.indexOf(word)).to.equal(i); // first sub-token
          }
          expect([...labelled.keys()].sort((a, b) => a - b)).to.deep.equal([...surviving].sort((a, b) => a - b));
        }),
        { numRuns: 300 },
      );
    });

    it('labelAllTokens: every content token is labelled, with its word label or the I- continuation', () => {
      fc.assert(
        fc.property(sampleArb, fc.integer({ min: 3, max: 40 }), ({ words, tags }, maxLen) => {
          const op = new BertTokenize({
            inputs: ['words', 'tags'],
            outputs: ['x', 'y', 'w'],
            tokenizer,
            labels: LABELS,
            maxLen,
            labelAllTokens: true,
            returnWordIds: true,
          });
          const [x, y, w] = run(op, [words, tags], state);
          expect(y.length).to.equal(x.length);
          for (let i = 0; i < y.length; i++) {
            if (i === 0 || i === y.length - 1) {
              expect(y[i]).to.equal(-100);
              continue;
            }
            const tag = tags[w[i]!]!;
            const first = w[i - 1] !== w[i];
            const expected = !first && tag.startsWith('B-') && LABELS.includes(`I-${tag.slice(2)}`) ? `I-${tag.slice(2)}` : tag;
            expect(LABELS[y[i]!]).to.equal(expected);
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});
