import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, ConllDataset, ConllFormatError, DataFormatError, LabelVocab } from '@fets/pipeline';
import { shared } from '../../helpers.js';

/** Independent counts straight from the text: sentences = runs of non-blank lines, tokens = non-blank lines. */
function independentCounts(text: string): { sentences: number; tokens: number } {
  const lines = text.split('\n');
  let sentences = 0;
  let tokens = 0;
  let inSentence = false;
  for (const l of lines) {
    const blank = l.trim() === '';
    if (!blank) tokens++;
    if (!blank && !inSentence) sentences++;
    inSentence = !blank;
  }
  return { sentences, tokens };
}

const FILES = [
  { file: shared('datasets/mit-movie/engtrain.bio'), format: 'mit-movie', sentences: 9_775, tokens: 99_491, tagFirst: true },
  { file: shared('datasets/mit-movie/engtest.bio'), format: 'mit-movie', sentences: 2_443, tokens: 24_686, tagFirst: true },
  { file: shared('datasets/bc5cdr-chem/train.tsv'), format: 'bc5cdr', sentences: 4_560, tokens: 118_170, tagFirst: false },
  { file: shared('datasets/bc5cdr-chem/devel.tsv'), format: 'bc5cdr', sentences: 4_581, tokens: 117_453, tagFirst: false },
] as const;

const CONLL2003 = [
  '-DOCSTART- -X- -X- O',
  '',
  'EU NNP B-NP B-ORG',
  'rejects VBZ B-VP O',
  'German JJ B-NP B-MISC',
  '',
  'Peter NNP B-NP B-PER',
  'Blackburn NNP I-NP I-PER',
  '',
  '',
  '-DOCSTART- -X- -X- O',
  'BRUSSELS NNP B-NP B-LOC',
  '1996-08-22 CD I-NP O',
].join('\n');

describe('pipeline/datasets: ConllDataset', () => {
  for (const f of FILES) {
    it(`reads ${path.basename(f.file)} exactly: counts, round trip, sentence start lines`, () => {
      const text = fs.readFileSync(f.file, 'utf8');
      const ds = new ConllDataset(f.file, { format: f.format });
      const auto = new ConllDataset(f.file);
      expect(auto.layout).to.deep.equal(ds.layout);
      const ind = independentCounts(text);
      expect([ds.length, ds.tokenCount]).to.deep.equal([f.sentences, f.tokens]);
      expect([ind.sentences, ind.tokens]).to.deep.equal([f.sentences, f.tokens]);
      let rebuilt = '';
      for (let i = 0; i < ds.length; i++) {
        const { words, tags } = ds.get(i) as { words: string[]; tags: string[] };
        expect(words.length).to.equal(tags.length);
        for (let t = 0; t < words.length; t++) rebuilt += f.tagFirst ? `${tags[t]}\t${words[t]}\n` : `${words[t]}\t${tags[t]}\n`;
        rebuilt += '\n';
      }
      expect(rebuilt === text, 'rebuilt file differs from the original').to.equal(true);
      const lines = text.split('\n');
      for (const i of [0, 1, Math.floor(ds.length / 2), ds.length - 1]) {
        const { words, tags } = ds.get(i) as { words: string[]; tags: string[] };
        const first = f.tagFirst ? `${tags[0]}\t${words[0]}` : `${words[0]}\t${tags[0]}`;
        expect(lines[ds.sentenceLines[i]! - 1]).to.equal(first);
        expect(lines[ds.sentenceLines[i]! - 2] ?? '').to.equal('');
      }
    });
  }

  it('MIT Movie train has 12 entity types: 25 IOB2 labels, O first, B/I adjacent', () => {
    const train = new ConllDataset(FILES[0].file, { format: 'mit-movie' });
    const labels = LabelVocab.fromTags(train.tagSequences());
    const types = [
      'ACTOR',
      'CHARACTER',
      'DIRECTOR',
      'GENRE',
      'PLOT',
      'RATING',
      'RATINGS_AVERAGE',
      'REVIEW',
      'SONG',
      'TITLE',
      'TRAILER',
      'YEAR',
    ];
    expect(labels.labels).to.deep.equal(['O', ...types.flatMap((t) => [`B-${t}`, `I-${t}`])]);
    expect(labels.length).to.equal(25);
    const test = new ConllDataset(FILES[1].file, { format: 'mit-movie' });
    for (const seq of test.tagSequences()) for (const tag of seq) expect(labels.has(tag), tag).to.equal(true);
  });

  it('reads CoNLL-2003: four columns, -DOCSTART- lines skipped as document breaks, last sentence without a blank line', () => {
    const ds = ConllDataset.fromString(CONLL2003, 'eng.train', { format: 'conll2003' });
    expect(ds.length).to.equal(3);
    expect(ds.get(0)).to.deep.equal({ words: ['EU', 'rejects', 'German'], tags: ['B-ORG', 'O', 'B-MISC'] });
    expect(ds.get(1)).to.deep.equal({ words: ['Peter', 'Blackburn'], tags: ['B-PER', 'I-PER'] });
    expect(ds.get(2)).to.deep.equal({ words: ['BRUSSELS', '1996-08-22'], tags: ['B-LOC', 'O'] });
    expect(Array.from(ds.sentenceLines)).to.deep.equal([3, 7, 12]);
    expect(ds.lineOf(2)).to.equal('eng.train:12');
    const chunks = ConllDataset.fromString(CONLL2003, 'eng.train', { format: 'conll2003', tagColumn: 2, tagsKey: 'chunks' });
    expect(chunks.get(1)).to.deep.equal({ words: ['Peter', 'Blackburn'], chunks: ['B-NP', 'I-NP'] });
    expect(chunks.keys()).to.deep.equal(['words', 'chunks']);
    const auto = ConllDataset.fromString(CONLL2003, 'eng.train');
    expect(auto.layout).to.deep.equal({ separator: ' ', columns: 4, wordColumn: 0, tagColumn: 3 });
    expect(auto.get(0)).to.deep.equal(ds.get(0));
  });

  it('CRLF line ends and a UTF-8 BOM give identical samples (string and file)', () => {
    const base = ConllDataset.fromString(CONLL2003, 'a', { format: 'conll2003' });
    const all = (d: ConllDataset) => Array.from({ length: d.length }, (_, i) => d.get(i));
    const variants = [CONLL2003.replace(/\n/g, '\r\n'), `\uFEFF${CONLL2003}`, `\uFEFF${CONLL2003.replace(/\n/g, '\r\n')}\r\n\r\n`];
    for (const v of variants) expect(all(ConllDataset.fromString(v, 'b', { format: 'conll2003' }))).to.deep.equal(all(base));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-conll-'));
    try {
      const p = path.join(dir, 'crlf-bom.txt');
      fs.writeFileSync(p, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(variants[0]!)]));
      expect(all(new ConllDataset(p, { format: 'conll2003' }))).to.deep.equal(all(base));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('several blank lines are one break; whitespace-only lines are blank', () => {
    const ds = ConllDataset.fromString('O\ta\n\n\n \t\nB-X\tb\nI-X\tc', 'm.bio', { format: 'mit-movie' });
    expect(ds.length).to.equal(2);
    expect(ds.get(1)).to.deep.equal({ words: ['b', 'c'], tags: ['B-X', 'I-X'] });
    expect(Array.from(ds.sentenceLines)).to.deep.equal([1, 5]);
  });

  it('a wrong column count names file:line (1-based) and quotes the line', () => {
    const lines: string[] = Array.from({ length: 1041 }, (_, i) => (i % 5 === 4 ? '' : 'O\tword'));
    lines.push('B-ACTOR\tbruce\twillis', 'O\tx');
    const text = lines.join('\n');
    let err: unknown;
    try {
      ConllDataset.fromString(text, 'engtrain.bio', { format: 'mit-movie' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConllFormatError).and.instanceOf(DataFormatError);
    expect((err as Error).message).to.equal('engtrain.bio:1042: expected 2 tab-separated columns, got 3: "B-ACTOR\\tbruce\\twillis"');
    expect((err as Error).name).to.equal('ConllFormatError');
    expect(err).to.include({ file: 'engtrain.bio', line: 1042 });
    expect(() => ConllDataset.fromString('EU NNP B-NP\n', 'x.conll', { format: 'conll2003' })).to.throw(
      'x.conll:1: expected 4 space-separated columns, got 3: "EU NNP B-NP"',
    );
    expect(() => ConllDataset.fromString('O\t\n', 'e.bio', { format: 'mit-movie' })).to.throw(
      ConllFormatError,
      'e.bio:1: empty word field',
    );
  });

  it('invalid UTF-8 is a DataFormatError naming file:line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-conll-'));
    try {
      const p = path.join(dir, 'bad.bio');
      fs.writeFileSync(p, Buffer.concat([Buffer.from('O\tok\n\nO\tcaf'), Buffer.from([0xe9]), Buffer.from('\nO\tx\n')]));
      expect(() => new ConllDataset(p)).to.throw(DataFormatError, `${p}:3: invalid UTF-8: "O\\tcaf\uFFFD"`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an empty or blank-only file is a clear "no sentences" error', () => {
    expect(() => ConllDataset.fromString('', 'empty.bio')).to.throw(ConllFormatError, 'empty.bio:1: no sentences: the file is empty');
    expect(() => ConllDataset.fromString('\n\r\n  \n', 'blank.bio')).to.throw(ConllFormatError, /blank.bio:3: no sentences/);
    expect(() => ConllDataset.fromString('-DOCSTART- -X- -X- O\n\n', 'd.txt', { format: 'conll2003' })).to.throw(/no sentences/);
    expect(() => new ConllDataset('/nonexistent/x.bio')).to.throw(/cannot read "\/nonexistent\/x.bio": file not found/);
  });

  it('validates options: columns in range, distinct keys, unknown keys, docStart keep', () => {
    expect(() => ConllDataset.fromString('O\ta\n', 'm', { format: 'mit-movie', tagColumn: 2 })).to.throw(
      ConfigError,
      /tagColumn: expected < 2/,
    );
    expect(() => ConllDataset.fromString('O\ta\n', 'm', { wordsKey: 'x', tagsKey: 'x' })).to.throw(ConfigError, /must differ/);
    expect(() => ConllDataset.fromString('O\ta\n', 'm', { fromat: 'bc5cdr' } as never)).to.throw(ConfigError, /did you mean "format"/);
    expect(() => ConllDataset.fromString('O\ta\n', 'm', { format: 'conll' as never })).to.throw(ConfigError, /format/);
    const kept = ConllDataset.fromString('-DOCSTART- -X- -X- O\nEU NNP B-NP B-ORG\n', 'k', { format: 'conll2003', docStart: 'keep' });
    expect(kept.get(0).words).to.deep.equal(['-DOCSTART-', 'EU']);
  });

  it('samples are fresh copies; split keeps lineOf pointing at the source line', () => {
    const ds = ConllDataset.fromString('O\ta\n\nO\tb\n\nO\tc\n\nO\td\n', 'four.bio', { format: 'mit-movie' });
    (ds.get(0).words as string[]).push('mutated');
    expect(ds.get(0).words).to.deep.equal(['a']);
    const part = ds.split([2, 0]);
    expect(part.get(0).words).to.deep.equal(['c']);
    expect(ds.length).to.equal(2);
    expect(ds.get(1).words).to.deep.equal(['d']);
    expect(ds.lineOf(1)).to.equal('four.bio:7');
    expect(ds.tokenCount).to.equal(2);
    expect(ds.tagSequences()).to.deep.equal([['O'], ['O']]);
  });
});
