import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { BertWordPieceTokenizer } from '@fets/pipeline';
import { shared } from '../../helpers.js';

interface FixtureLine {
  words: string[];
  text: string;
  lowercase: boolean;
  tokens: string[];
  ids: number[];
  wordTokens: string[][];
}

function readFixture(name: string): FixtureLine[] {
  return readFileSync(shared('fixtures', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as FixtureLine);
}

const cases = [
  { fixture: 'wordpiece-uncased.jsonl', vocab: 'bert-base-uncased-vocab.txt', lowercase: true, lines: 2500 },
  { fixture: 'wordpiece-cased.jsonl', vocab: 'bert-base-cased-vocab.txt', lowercase: false, lines: 1500 },
];

describe('BertWordPieceTokenizer against Google BERT FullTokenizer fixtures', () => {
  for (const c of cases) {
    describe(c.fixture, () => {
      let tok: BertWordPieceTokenizer;
      let lines: FixtureLine[];
      before(async () => {
        tok = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', c.vocab), { lowercase: c.lowercase });
        lines = readFixture(c.fixture);
      });

      it(`has the expected ${c.lines} lines, all with lowercase=${c.lowercase}`, () => {
        expect(lines).to.have.length(c.lines);
        for (const l of lines) expect(l.lowercase).to.equal(c.lowercase);
      });

      it('tokenize(text) gives the reference tokens on every line', () => {
        let mismatches = 0;
        const first: string[] = [];
        lines.forEach((l, i) => {
          const got = tok.tokenize(l.text);
          if (JSON.stringify(got) !== JSON.stringify(l.tokens)) {
            mismatches++;
            if (first.length < 3) first.push(`line ${i + 1}: ${JSON.stringify(got)} vs ${JSON.stringify(l.tokens)}`);
          }
        });
        expect(mismatches, first.join('\n')).to.equal(0);
      });

      it('encode(text) gives the reference ids between [CLS] and [SEP] on every line', () => {
        for (const l of lines) {
          const e = tok.encode(l.text);
          expect(e.inputIds).to.deep.equal([tok.clsId, ...l.ids, tok.sepId]);
          expect(e.tokens.slice(1, -1)).to.deep.equal(l.tokens);
        }
      });

      it('tokenizes each word alone as the reference (wordTokens) and encode(words) aligns word ids', () => {
        for (const l of lines) {
          l.words.forEach((w, i) => {
            expect(tok.convertIdsToTokens(tok.wordToIds(w))).to.deep.equal(l.wordTokens[i]);
          });
          const e = tok.encode(l.words, { isSplitIntoWords: true, addSpecialTokens: false });
          expect(e.tokens).to.deep.equal(l.wordTokens.flat());
          expect(e.inputIds).to.deep.equal(tok.convertTokensToIds(l.wordTokens.flat()));
          expect(e.wordIds).to.deep.equal(l.wordTokens.flatMap((t, i) => t.map(() => i)));
        }
      });
    });
  }
});
