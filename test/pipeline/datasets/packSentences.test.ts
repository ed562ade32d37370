import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  BertWordPieceTokenizer,
  ConfigError,
  ConllDataset,
  PretrainTextError,
  brownDocuments,
  conllDocuments,
  countDocuments,
  packSentences,
  parseTextDocuments,
  readTextDocuments,
  splitDocuments,
  type TextDocument,
} from '@fets/pipeline';
import { shared } from '../../helpers.js';

const MOVIE = shared('datasets', 'mit-movie', 'engtrain.bio');

/** A plain reference of greedy packing without short targets: sentence ids cut to room, appended while they fit. */
function referencePack(docs: readonly TextDocument[], tok: BertWordPieceTokenizer, maxLen: number): number[][] {
  const room = maxLen - 2;
  const out: number[][] = [];
  for (const doc of docs) {
    let cur: number[] = [];
    for (const s of doc) {
      const ids = s.flatMap((w) => [...tok.wordToIds(w)]).slice(0, room);
      if (ids.length === 0) continue;
      if (cur.length + ids.length > room) {
        out.push(cur);
        cur = [];
      }
      cur.push(...ids);
    }
    if (cur.length) out.push(cur);
  }
  return out.filter((c) => c.length > 0).map((c) => [tok.clsId, ...c, tok.sepId]);
}

describe('pretraining text: documents and packSentences', function () {
  let tok: BertWordPieceTokenizer;
  let brown: TextDocument[];

  before(async function () {
    tok = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), { lowercase: true });
    brown = brownDocuments();
  });

  it('reads Brown as one document per file', function () {
    expect(countDocuments(brown)).to.deep.equal({ documents: 500, sentences: 57340, words: 1161192 });
    expect(brown[0]![0]!.slice(0, 3)).to.deep.equal(['The', 'Fulton', 'County']);
    expect(brownDocuments({ files: ['ca01', 'cr09'] })).to.have.length(2);
  });

  it('packs Brown greedily within documents, [CLS] … [SEP], at most maxLen, as the reference does', function () {
    const maxLen = 64;
    const packed = packSentences(brown, { tokenizer: tok, maxLen, shortSeqProb: 0 });
    const ref = referencePack(brown, tok, maxLen);
    expect(packed.length).to.equal(ref.length);
    for (let i = 0; i < packed.length; i++) {
      const ids = packed.get(i).inputIds as Int32Array;
      expect(ids.length).to.be.at.most(maxLen);
      expect(ids[0]).to.equal(tok.clsId);
      expect(ids[ids.length - 1]).to.equal(tok.sepId);
      expect(Array.from(ids), `sequence ${i}`).to.deep.equal(ref[i]);
    }
    const s = packed.stats;
    expect(s).to.include({ documents: 500, sentences: 57340, sequences: ref.length });
    expect(s.tokens).to.equal(ref.reduce((n, r) => n + r.length - 2, 0));
    expect(s.meanLength).to.be.greaterThan(0.75 * maxLen);
    expect(s.truncatedSentences).to.be.greaterThan(0);
    // Sequences never cross documents: packing documents one by one gives the same sequences.
    let n = 0;
    for (const doc of brown.slice(0, 40)) n += packSentences([doc], { tokenizer: tok, maxLen, shortSeqProb: 0 }).length;
    expect(n).to.equal(referencePack(brown.slice(0, 40), tok, maxLen).length);
  });

  it('adds short sequences with shortSeqProb, deterministically by seed', function () {
    const docs = brown.slice(0, 100);
    const a = packSentences(docs, { tokenizer: tok, maxLen: 64, seed: 1 });
    const b = packSentences(docs, { tokenizer: tok, maxLen: 64, seed: 1 });
    const c = packSentences(docs, { tokenizer: tok, maxLen: 64, seed: 2 });
    const full = packSentences(docs, { tokenizer: tok, maxLen: 64, shortSeqProb: 0 });
    const rows = (d: typeof a) => Array.from({ length: d.length }, (_, i) => Array.from(d.get(i).inputIds as Int32Array));
    expect(rows(a)).to.deep.equal(rows(b));
    expect(rows(a)).to.not.deep.equal(rows(c));
    expect(a.length).to.be.greaterThan(full.length);
    expect(a.stats.tokens).to.equal(full.stats.tokens);
    expect(a.stats.meanLength).to.be.lessThan(full.stats.meanLength);
  });

  it('reads the words of MIT Movie train (the part ner-bert trains on) and packs them', function () {
    const train = new ConllDataset(MOVIE, { format: 'mit-movie' });
    const one = conllDocuments(train);
    expect(one).to.have.length(1);
    expect(one[0]).to.have.length(9775);
    expect(one[0]![0]).to.deep.equal(['what', 'movies', 'star', 'bruce', 'willis']);
    const held = train.split(0.1, { seed: 0 });
    const docs = conllDocuments(train);
    expect(docs[0]).to.have.length(9775 - held.length);
    expect(conllDocuments(MOVIE, { documentBreak: 'sentence' })).to.have.length(9775);
    const packed = packSentences(docs, { tokenizer: tok, maxLen: 64, shortSeqProb: 0 });
    expect(packed.stats.truncatedSentences).to.equal(0);
    expect(packed.stats.meanLength).to.be.greaterThan(55);
    const ref = referencePack(docs, tok, 64);
    expect(Array.from(packed.get(packed.length - 1).inputIds as Int32Array)).to.deep.equal(ref[ref.length - 1]);
  });

  it('splits CoNLL documents at -DOCSTART- lines', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-pretrain-'));
    const file = path.join(dir, 'train.txt');
    fs.writeFileSync(
      file,
      '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n\n-DOCSTART- -X- -X- O\n\nBRUSSELS NNP B-NP B-LOC\n',
    );
    expect(conllDocuments(file)).to.deep.equal([[['EU', 'rejects'], ['Peter']], [['BRUSSELS']]]);
    fs.rmSync(dir, { recursive: true });
  });

  it('reads plain text: a sentence a line, blank lines between documents', function () {
    expect(parseTextDocuments('\uFEFFThe cat sat.\r\nIt  purred.\n\n\n\nA new story.\n  \n')).to.deep.equal([
      [
        ['The', 'cat', 'sat.'],
        ['It', 'purred.'],
      ],
      [['A', 'new', 'story.']],
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-pretrain-'));
    const file = path.join(dir, 'corpus.txt');
    fs.writeFileSync(file, 'one two\n\nthree\n');
    expect(readTextDocuments(file)).to.deep.equal([[['one', 'two']], [['three']]]);
    fs.writeFileSync(file, '\n \n');
    expect(() => readTextDocuments(file)).to.throw(PretrainTextError, /no words/);
    expect(() => readTextDocuments(path.join(dir, 'missing.txt'))).to.throw(PretrainTextError, /not found/);
    fs.rmSync(dir, { recursive: true });
  });

  it('holds out whole documents, seeded', function () {
    const a = splitDocuments(brown, 0.02, { seed: 0 });
    const b = splitDocuments(brown, 0.02, { seed: 0 });
    expect(a.heldOut).to.have.length(10);
    expect(a.train).to.have.length(490);
    expect(a.heldOut).to.deep.equal(b.heldOut);
    const held = new Set(a.heldOut);
    expect(a.train.some((d) => held.has(d))).to.equal(false);
    expect(splitDocuments(brown, 0.02, { seed: 1 }).heldOut).to.not.deep.equal(a.heldOut);
  });

  it('cuts overlong sentences, and rejects bad options and empty input', function () {
    const long = [[Array.from({ length: 30 }, () => 'word')]];
    const p = packSentences(long, { tokenizer: tok, maxLen: 10, shortSeqProb: 0 });
    expect(p.length).to.equal(1);
    expect(p.get(0).inputIds).to.have.length(10);
    expect(p.stats).to.include({ truncatedSentences: 1, droppedTokens: 22, tokens: 8 });
    expect(() => packSentences(long, { tokenizer: tok, maxLen: 2 })).to.throw(ConfigError, /maxLen/);
    expect(() => packSentences([[['\u0000']]], { tokenizer: tok })).to.throw(ConfigError, /gave no tokens/);
  });
});
