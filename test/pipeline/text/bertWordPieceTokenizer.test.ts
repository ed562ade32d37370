import { expect } from 'chai';
import fc from 'fast-check';
import { BertWordPieceTokenizer, ConfigError, TokenizerError, VocabError, basicTokenize } from '@fets/pipeline';
import { shared } from '../../helpers.js';

// Expected tokens below were produced by google-research/bert tokenization.py (FullTokenizer) under Python 3.11.
describe('BertWordPieceTokenizer hand cases', () => {
  let uncased: BertWordPieceTokenizer;
  let cased: BertWordPieceTokenizer;
  before(async () => {
    uncased = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), { lowercase: true });
    cased = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-cased-vocab.txt'), { lowercase: false });
  });

  it('lower-cases and strips accents when uncased, keeps them when cased', () => {
    expect(uncased.tokenize('Héllo wörld!')).to.deep.equal(['hello', 'world', '!']);
    expect(uncased.tokenize('naïve café résumé')).to.deep.equal(['naive', 'cafe', 'resume']);
    expect(cased.tokenize('Héllo wörld!')).to.deep.equal(['H', '##é', '##llo', 'w', '##ö', '##rl', '##d', '!']);
    expect(cased.tokenize('naïve café résumé')).to.deep.equal(['na', '##ï', '##ve', 'café', 'r', '##és', '##um', '##é']);
    // a lone combining accent: dropped when uncased, a continuation piece when cased
    expect(uncased.tokenize('Ω a\u0301')).to.deep.equal(['ω', 'a']);
    expect(cased.tokenize('Ω a\u0301')).to.deep.equal(['Ω', 'a', '##\u0301']);
  });

  it('stripAccents defaults to lowercase and can be set apart from it', async () => {
    expect(uncased.options.stripAccents).to.equal(true);
    expect(cased.options.stripAccents).to.equal(false);
    const keep = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), {
      lowercase: true,
      stripAccents: false,
    });
    // the uncased vocabulary holds no accented letters at all, so a kept accent makes the word unknown
    expect(keep.tokenize('Café Hello')).to.deep.equal(['[UNK]', 'hello']);
    expect(uncased.tokenize('Café')).to.deep.equal(['cafe']);
  });

  it('splits CJK ideographs into single tokens (kana/hangul are not split)', () => {
    expect(uncased.tokenize('中国人 said 你好!')).to.deep.equal(['中', '国', '人', 'said', '[UNK]', '[UNK]', '!']);
    expect(basicTokenize('ab中cd', { lowercase: false, stripAccents: false })).to.deep.equal(['ab', '中', 'cd']);
    expect(basicTokenize('カタカナ한국', { lowercase: false, stripAccents: false })).to.deep.equal(['カタカナ한국']);
  });

  it('drops NUL, U+FFFD and control/format characters; tab and newline are whitespace; U+2028 splits', () => {
    const text = 'a\u0000b\ufffdc\u200bd\te\nf\u0007g';
    expect(uncased.tokenize(text)).to.deep.equal(['abc', '##d', 'e', 'f', '##g']);
    expect(cased.tokenize(text)).to.deep.equal(['a', '##b', '##c', '##d', 'e', 'f', '##g']);
    expect(uncased.tokenize('x\u2028y\u3000z')).to.deep.equal(['x', 'y', 'z']);
  });

  it('treats all non-alphanumeric ASCII as punctuation', () => {
    expect(uncased.tokenize('$5 ^caret `tick` 3.14')).to.deep.equal(['$', '5', '^', 'care', '##t', '`', 'tick', '`', '3', '.', '14']);
  });

  it('applies the Greek final-sigma rule per whitespace token, as Python str.lower() in the reference', () => {
    expect(uncased.tokenize('ΟΔΟΣ ΣΑΣ ΣΟΦΟΣ.')).to.deep.equal(['ο', '##δ', '##ος', 'σ', '##α', '##ς', 'σ', '##ο', '##φ', '##ος', '.']);
    expect(cased.tokenize('ΟΔΟΣ')).to.deep.equal(['Ο', '##Δ', '##Ο', '##Σ']);
  });

  it('charwiseLowercase maps every Σ to σ (Hugging Face tokenizers behaviour), never through whole-string rules', async () => {
    const hf = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), {
      charwiseLowercase: true,
    });
    expect(hf.tokenize('ΟΔΟΣ')).to.deep.equal(['ο', '##δ', '##ο', '##σ']);
    expect(hf.tokenize('ΟΔΟΣ ΣΑΣ')).to.deep.equal(['ο', '##δ', '##ο', '##σ', 'σ', '##α', '##σ']);
    expect(hf.tokenize('Héllo ος')).to.deep.equal(['hello', 'ο', '##ς']);
  });

  it('gives [UNK] for unmatchable words, including words with emoji', () => {
    expect(uncased.tokenize('I ❤ 😀 emoji😀s')).to.deep.equal(['i', '[UNK]', '[UNK]', '[UNK]']);
  });

  it('counts code points, not UTF-16 units: surrogate pairs are one character, never split', () => {
    const tok = new BertWordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a', '##a', '😀', '##😀', '##b'], {
      lowercase: false,
    });
    expect(tok.tokenize('a😀b')).to.deep.equal(['a', '##😀', '##b']);
    expect(tok.tokenize('😀'.repeat(100))).to.deep.equal(['😀', ...new Array<string>(99).fill('##😀')]);
    expect(tok.tokenize('😀'.repeat(101))).to.deep.equal(['[UNK]']);
    // a vocabulary entry holding half a pair never matches
    const half = new BertWordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'x', '##\ud83d', '##\ude00'], { lowercase: false });
    expect(half.tokenize('x😀')).to.deep.equal(['[UNK]']);
  });

  it('turns words over 100 characters into [UNK], exactly 100 still tokenized', () => {
    expect(uncased.tokenize('a'.repeat(100)))
      .to.have.length.greaterThan(1)
      .and.not.include('[UNK]');
    expect(uncased.tokenize(`x ${'a'.repeat(101)} y`)).to.deep.equal(['x', '[UNK]', 'y']);
    expect(uncased.encode(['ok', 'é'.repeat(101)]).tokens).to.deep.equal(['[CLS]', 'ok', '[UNK]', '[SEP]']);
  });

  it('encode of pre-split words: word ids, token types, mask, and [CLS]/[SEP] kept on truncation', () => {
    const words = ['whats', 'the', 'title', 'of', 'unaffable'];
    const full = uncased.encode(words);
    expect(full.tokens).to.deep.equal(['[CLS]', 'what', '##s', 'the', 'title', 'of', 'una', '##ffa', '##ble', '[SEP]']);
    expect(full.inputIds[0]).to.equal(101);
    expect(full.inputIds.at(-1)).to.equal(102);
    expect(full.wordIds).to.deep.equal([null, 0, 0, 1, 2, 3, 4, 4, 4, null]);
    expect(full.tokenTypeIds).to.deep.equal(new Array(10).fill(0));
    expect(full.attentionMask).to.deep.equal(new Array(10).fill(1));
    const cut = uncased.encode(words, { maxLength: 7 });
    expect(cut.tokens).to.deep.equal(['[CLS]', 'what', '##s', 'the', 'title', 'of', '[SEP]']);
    expect(cut.wordIds).to.deep.equal([null, 0, 0, 1, 2, 3, null]);
    const mid = uncased.encode(words, { maxLength: 8 });
    expect(mid.tokens).to.deep.equal(['[CLS]', 'what', '##s', 'the', 'title', 'of', 'una', '[SEP]']);
    expect(uncased.encode(words, { maxLength: 2 }).tokens).to.deep.equal(['[CLS]', '[SEP]']);
    const bare = uncased.encode(words, { maxLength: 3, addSpecialTokens: false });
    expect(bare.tokens).to.deep.equal(['what', '##s', 'the']);
    expect(bare.wordIds).to.deep.equal([0, 0, 1]);
  });

  it('encode keeps a word that splits on punctuation under one word id; empty words get no token', () => {
    const e = uncased.encode(['pg-13', '\u200b', 'rated']);
    expect(e.tokens).to.deep.equal(['[CLS]', 'pg', '-', '13', 'rated', '[SEP]']);
    expect(e.wordIds).to.deep.equal([null, 0, 0, 0, 2, null]);
    const t = uncased.encode('PG-13 rated');
    expect(t.wordIds).to.deep.equal([null, 0, 1, 2, 3, null]);
  });

  it('caches per word without changing results', () => {
    const uncachedTok = new BertWordPieceTokenizer(uncased.vocab, { cacheSize: 0 });
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 8 }), (words) => {
        const once = uncased.encode(words);
        const again = uncased.encode(words);
        const fresh = uncachedTok.encode(words);
        expect(again).to.deep.equal(once);
        expect(fresh).to.deep.equal(once);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects bad input and bad vocabularies with typed errors', async () => {
    expect(() => uncased.encode(['a'], { maxLength: 1 })).to.throw(TokenizerError, /maxLength: expected an integer >= 2, received 1/);
    expect(() => uncased.encode(['a', 3 as unknown as string])).to.throw(TokenizerError, /word 1: expected a string, received 3/);
    expect(() => uncased.encode('a b', { isSplitIntoWords: true })).to.throw(TokenizerError, /expected an array of words/);
    expect(() => uncased.tokenize(42 as unknown as string)).to.throw(TokenizerError, /expected a string, received 42/);
    expect(() => new BertWordPieceTokenizer(['[PAD]', '[CLS]', '[SEP]'])).to.throw(VocabError, /no unknown token "\[UNK\]"/);
    expect(() => new BertWordPieceTokenizer(['[UNK]'], { lowercase: 'yes' } as never)).to.throw(ConfigError, /lowercase/);
    let err: unknown;
    try {
      await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'no-such-vocab.txt'));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(VocabError);
    expect((err as Error).message).to.match(/no-such-vocab\.txt: cannot read vocabulary file/);
  });

  it('builds from a list, a Map or a record with the same ids', () => {
    const list = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'un', '##aff', '##able'];
    const a = new BertWordPieceTokenizer(list);
    const b = new BertWordPieceTokenizer(new Map(list.map((t, i) => [t, i])));
    const c = new BertWordPieceTokenizer(Object.fromEntries(list.map((t, i) => [t, i])));
    for (const t of [a, b, c]) {
      expect(t.encode(['Unaffable', 'x']).inputIds).to.deep.equal([2, 4, 5, 6, 1, 3]);
      expect(t.vocabSize).to.equal(7);
    }
  });
});
