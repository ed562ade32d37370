import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  BrownDataset,
  BrownFormatError,
  BrownNotFoundError,
  ConfigError,
  brown,
  brownRootDir,
  brownText,
  simplifyBrownTag,
  splitBrownToken,
} from '@fets/pipeline';

/** An independent count straight from the files: whitespace tokens, non-blank lines, distinct text after the last slash. */
function rawCounts(root: string) {
  let words = 0;
  let sentences = 0;
  const tags = new Set<string>();
  for (const f of fs.readdirSync(root).filter((n) => /^c[a-r]\d\d$/.test(n))) {
    for (const line of fs.readFileSync(path.join(root, f), 'latin1').split('\n')) {
      const toks = line.match(/\S+/g);
      if (!toks) continue;
      sentences++;
      words += toks.length;
      for (const t of toks) tags.add(t.replace(/^.*\//, ''));
    }
  }
  return { words, sentences, tags: tags.size };
}

function tempCorpus(files: Record<string, string>, cats?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-brown-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  if (cats !== undefined) fs.writeFileSync(path.join(dir, 'cats.txt'), cats);
  return dir;
}

describe('pipeline/datasets/brown: the Brown corpus reader', () => {
  let all: BrownDataset;
  before(() => {
    all = new BrownDataset();
  });

  it('reads the whole installed corpus: 57,340 sentences, 1,161,192 words, 472 tags (NLTK figures), matching a raw count', () => {
    const raw = rawCounts(brownRootDir());
    expect(all.files).to.have.length(500);
    expect(all.length).to.equal(57340).and.equal(raw.sentences);
    expect(all.tokenCount).to.equal(1161192).and.equal(raw.words);
    const tags = new Set(all.tagSequences().flat());
    expect(tags.size).to.equal(472).and.equal(raw.tags);
    for (let i = 0; i < all.length; i += 997) expect(all.get(i).words).to.have.length((all.get(i).tags as string[]).length);
  });

  it('starts with the Fulton County sentence of ca01 and keeps compound tags as written', () => {
    const s = all.get(0);
    expect((s.words as string[]).slice(0, 5)).to.deep.equal(['The', 'Fulton', 'County', 'Grand', 'Jury']);
    expect((s.tags as string[]).slice(0, 5)).to.deep.equal(['at', 'np-tl', 'nn-tl', 'jj-tl', 'nn-tl']);
    expect(all.lineOf(0)).to.equal('ca01:3');
    const tags = new Set(all.tagSequences().flat());
    for (const t of ['vb+to', 'pps+bez', 'bez*', 'fw-nn', 'np$', '---hl']) expect(tags.has(t), t).to.equal(true);
  });

  it('splits tokens at the LAST slash: "1-1/2/cd" is the word "1-1/2" tagged cd', () => {
    const ca10 = new BrownDataset({ files: ['ca10'] });
    const words = ca10.wordSequences().flat();
    const tags = ca10.tagSequences().flat();
    const i = words.indexOf('1-1/2');
    expect(i).to.be.greaterThan(-1);
    expect(tags[i]).to.equal('cd');
    expect(splitBrownToken('4-1/2%/nn')).to.deep.equal(['4-1/2%', 'nn']);
    expect(splitBrownToken('noslash')).to.equal(undefined);
    expect(splitBrownToken('/nn')).to.equal(undefined);
    expect(splitBrownToken('word/')).to.equal(undefined);
  });

  it('splitBrownToken inverts word + "/" + tag for any word and slash-free tag (property)', () => {
    const word = fc.string({ minLength: 1, maxLength: 12 });
    const tag = fc.string({ minLength: 1, maxLength: 8 }).filter((t) => !t.includes('/'));
    fc.assert(
      fc.property(word, tag, (w, t) => {
        expect(splitBrownToken(`${w}/${t}`)).to.deep.equal([w, t]);
      }),
    );
  });

  it('simplified tag set: 92 tags, suffixes, fw-, + and * rules', () => {
    const cases: [string, string][] = [
      ['np-tl', 'np'],
      ['at-tl-hl', 'at'],
      ['fw-in+at-tl', 'in'],
      ['vb+to', 'vb'],
      ['bez*', 'bez'],
      ['ber*-nc', 'ber'],
      ['*', '*'],
      ['*-hl', '*'],
      ['fw-*-tl', '*'],
      ['---hl', '--'],
      ['--', '--'],
      ['nn$-tl', 'nn$'],
      ['pp$$', 'pp$$'],
      ['ppss+ber-n', 'ppss'],
      ['nil', 'nil'],
      ['.-hl', '.'],
      ['fw-nn', 'nn'],
    ];
    for (const [t, want] of cases) expect(simplifyBrownTag(t), t).to.equal(want);
    const simple = new Set<string>();
    for (const seq of all.tagSequences()) for (const t of seq) simple.add(simplifyBrownTag(t));
    expect(simple.size).to.equal(92);
    for (const t of simple) expect(t, t).to.not.match(/-(tl|hl|nc)$|\+|^fw-|.\*$/);
    const ds = new BrownDataset({ files: ['ca01'], tagset: 'simplified', lowercase: true });
    expect((ds.get(0).words as string[]).slice(0, 2)).to.deep.equal(['the', 'fulton']);
    expect((ds.get(0).tags as string[]).slice(0, 3)).to.deep.equal(['at', 'np', 'nn']);
  });

  it('selects files and categories (cats.txt)', () => {
    const news = new BrownDataset({ categories: ['news'] });
    expect(news.files).to.have.length(44);
    expect(news.files.every((f) => f.startsWith('ca'))).to.equal(true);
    const two = new BrownDataset({ files: ['cr09', 'ca01'] });
    expect(two.files).to.deep.equal(['cr09', 'ca01']);
    expect(two.lineOf(0).startsWith('cr09:')).to.equal(true);
    expect(() => new BrownDataset({ categories: ['nonsense'] })).to.throw(BrownNotFoundError, /unknown "nonsense".*news/);
    expect(() => new BrownDataset({ files: ['zz01'] as string[] })).to.throw(ConfigError, /files/);
    expect(() => new BrownDataset({ tagset: 'universal' as 'brown' })).to.throw(ConfigError, /tagset/);
  });

  it('brown.loadData holds out a seeded 10% of sentences; labels come from train only', () => {
    const a = brown.loadData({ tagset: 'simplified' });
    expect(a.train.length).to.equal(51606);
    expect(a.test.length).to.equal(5734);
    expect(a.evalData).to.equal(a.test);
    expect(a.labels.length).to.equal(92);
    expect(a.unseenTestTags).to.deep.equal([]);
    const trainLines = new Set(Array.from({ length: a.train.length }, (_, i) => a.train.lineOf(i)));
    for (let i = 0; i < a.test.length; i++) expect(trainLines.has(all.lineOf(a.test.storedIndex(i)))).to.equal(false);
    const b = brown.loadData({ tagset: 'simplified', seed: 0 });
    expect(b.test.get(0)).to.deep.equal(a.test.get(0));
    const c = brown.loadData({ tagset: 'simplified', seed: 1 });
    expect(c.test.get(0)).to.not.deep.equal(a.test.get(0));
    const full = brown.loadData({ heldOut: 0.2 });
    expect(full.test.length).to.equal(Math.floor(57340 * 0.2));
    const trainTags = new Set(full.train.tagSequences().flat());
    expect(full.labels.labels).to.have.members([...trainTags]);
    for (const t of full.unseenTestTags) expect(trainTags.has(t)).to.equal(false);
  });

  it('brownText returns plain word arrays', () => {
    const text = brownText({ files: ['ca01'], lowercase: true });
    expect(text[0]!.slice(0, 3)).to.deep.equal(['the', 'fulton', 'county']);
    expect(text.length).to.equal(new BrownDataset({ files: ['ca01'] }).length);
  });

  it('reads a rootDir folder; a token without a tag is a BrownFormatError at file:line', () => {
    const ok = tempCorpus({ ca01: '\n\n\tA/at b/c/nn ./.\n\n\tNot/*  here/rb\n', cb01: '\tX/np\n' }, 'ca01 news\ncb01 editorial\n');
    const ds = new BrownDataset({ rootDir: ok });
    expect(ds.length).to.equal(3);
    expect(ds.get(0)).to.deep.equal({ words: ['A', 'b/c', '.'], tags: ['at', 'nn', '.'] });
    expect(ds.lineOf(1)).to.equal('ca01:5');
    expect(new BrownDataset({ rootDir: ok, categories: ['editorial'] }).get(0)).to.deep.equal({ words: ['X'], tags: ['np'] });
    const bad = tempCorpus({ ca01: '\tA/at\n\tgood/jj oops\n' });
    expect(() => new BrownDataset({ rootDir: bad })).to.throw(BrownFormatError, /ca01:2: expected word\/tag, received "oops" \(token 2\)/);
    const empty = tempCorpus({ 'readme.txt': 'x' });
    expect(() => new BrownDataset({ rootDir: empty })).to.throw(BrownNotFoundError, /no Brown files/);
    expect(() => new BrownDataset({ rootDir: path.join(empty, 'missing') })).to.throw(BrownNotFoundError, /no such folder/);
    for (const d of [ok, bad, empty]) fs.rmSync(d, { recursive: true });
  });
});
