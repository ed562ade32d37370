import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { readNerConfig } from '../../examples/ner-bert/config.js';
import { buildNer, loadSplits } from '../../examples/ner-bert/recipe.js';
import { shared } from '../helpers.js';

/** Reads a `word gold pred` CoNLL file back into sentences (blank line between sentences). */
function readConll(text: string): { words: string[]; gold: string[]; pred: string[] }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const rows = block
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
      for (const r of rows) expect(r).to.have.length(3);
      return { words: rows.map((r) => r[0]!), gold: rows.map((r) => r[1]!), pred: rows.map((r) => r[2]!) };
    });
}

describe('examples/ner-bert', function () {
  this.timeout(180_000);
  let dir: string;
  before(async () => {
    await fe.initBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-ner-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes the test predictions; re-scoring predictions.conll gives exactly the reported F1', async () => {
    const cfg = readNerConfig([
      '--model',
      'tiny',
      '--dataDir',
      shared('datasets'),
      '--epochs',
      '1',
      '--trainStepsPerEpoch',
      '150',
      '--batchSize',
      '16',
      '--outDir',
      dir,
      '--logSteps',
      '0',
      '--vocab',
      shared('vocab', 'bert-base-uncased-vocab.txt'),
    ]);
    // A 300-sentence test split keeps the test fast; the words are engtest.bio's own.
    const splits = await loadSplits(cfg);
    const test = splits.test as fe.dataset.ConllDataset;
    test.split(test.length - 300, { seed: 1 });
    const run = await buildNer(cfg, splits);
    await run.estimator.fit();
    await run.estimator.test();
    const report = run.seqeval.lastReport!;
    const conll = readConll(readFileSync(path.join(dir, 'predictions.conll'), 'utf8'));
    expect(conll).to.have.length(300);
    // Every sentence is the data set's own words with its gold tags, in order.
    for (let i = 0; i < 300; i++) {
      const s = test.get(i) as { words: string[]; tags: string[] };
      expect(conll[i]!.words).to.deep.equal(s.words);
      expect(conll[i]!.gold).to.deep.equal(s.tags);
    }
    const rescored = fe.seqeval.seqevalReport(
      conll.map((s) => s.gold),
      conll.map((s) => s.pred),
      { mode: 'strict', scheme: 'IOB2' },
    );
    expect(rescored['micro avg']).to.deep.equal(report['micro avg']);
    // A model that finds entities, so the comparison is not of two zeros.
    expect(report['micro avg']!['f1-score']).to.be.greaterThan(0.2);
    // predictions.jsonl: one line per sentence, its spans those seqeval's strict IOB2 reads in the predicted tags.
    const jsonl = readFileSync(path.join(dir, 'predictions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl).to.have.length(300);
    const spans = jsonl.flatMap((l: { entities: { type: string; first: number; last: number; text: string }[] }, i: number) =>
      l.entities.map((e) => ({ sent: i, type: e.type, start: e.first, end: e.last + 1, text: e.text })),
    );
    const strict = fe.seqeval.extractEntities(
      conll.map((s) => s.pred),
      'IOB2',
    );
    expect(spans.map(({ text: _t, ...e }) => e)).to.deep.equal(
      strict.map((e) => ({ sent: e.sent, type: e.type, start: e.start, end: e.end })),
    );
    for (const s of spans) expect(s.text).to.equal(conll[s.sent]!.words.slice(s.start, s.end).join(' '));

    // fets predict's streaming path on the same sentences as raw text gives the test epoch's tags, word for word.
    const text = conll.map((s) => s.words.join(' ')).join('\n');
    const chunks: string[] = [];
    const sink = new Writable({ write: (c, _e, done) => (chunks.push(String(c)), done()) });
    const stats = await fe.predictStream(run.estimator, Readable.from([text]), sink, { format: 'conll', batchSize: 7 });
    expect(stats.sentences).to.equal(300);
    const blocks = chunks
      .join('')
      .split('\n\n')
      .filter((b) => b.trim())
      .map((b) =>
        b
          .trim()
          .split('\n')
          .map((l) => l.split(' ')),
      );
    expect(blocks.map((b) => b.map((r) => r[0]))).to.deep.equal(conll.map((s) => s.words));
    const tagged = blocks.map((b) => b.map((r) => r[1]));
    expect(tagged).to.deep.equal(conll.map((s) => s.pred));
  });
});
