/**
 * Fault catalogue, data files: what fets does with empty, blank, malformed, oddly encoded, huge and vanishing input
 * files. Every case asserts the message's facts (file:line, key, expected vs received), not merely that it throws.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BertTokenize,
  BertWordPieceTokenizer,
  CSVDataset,
  ConllDataset,
  ConllFormatError,
  DataFileError,
  DataFormatError,
  JSONLDataset,
  LabelVocab,
  type NDArray,
  OpError,
  Pipeline,
  type DataDict,
} from '@fets/pipeline';
import { Network, LambdaOp as NetLambdaOp } from '@fets/network';
import { Estimator } from '@fets/estimator';
import { errorOf, shared } from '../helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-faults-data-'));
const write = (name: string, content: string | Uint8Array): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
};

async function collect(p: Pipeline, epoch = 1): Promise<DataDict[]> {
  const out: DataDict[] = [];
  for await (const b of p.batches({ mode: 'train', epoch })) out.push(b);
  return out;
}

/** The first `n` sentences of MIT Movie's engtrain.bio, as LF text (real data). */
function mitMovieHead(n: number): string {
  const text = fs.readFileSync(shared('datasets', 'mit-movie', 'engtrain.bio'), 'utf8').replace(/\r\n/g, '\n');
  const sentences = text.split(/\n\s*\n/).slice(0, n);
  return `${sentences.join('\n\n')}\n`;
}

/** Rejects if `p` takes longer than `ms` (a hang is a failure, not a timeout of the whole file). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms (hang)`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

describe('faults/data: bad input files', function () {
  this.timeout(60_000);
  let tokenizer: BertWordPieceTokenizer;
  before(async () => {
    tokenizer = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), { lowercase: true });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('D1 ConllDataset, empty file: ConllFormatError at file:1 "no sentences: the file is empty"', () => {
    const file = write('empty.bio', '');
    const e = (() => {
      try {
        new ConllDataset(file, { format: 'mit-movie' });
      } catch (err) {
        return err as ConllFormatError;
      }
      throw new Error('expected an error');
    })();
    expect(e).to.be.instanceOf(ConllFormatError);
    expect(e.message).to.equal(`${file}:1: no sentences: the file is empty`);
    expect([e.file, e.line]).to.deep.equal([file, 1]);
  });

  it('D2 JSONLDataset, empty file: the first pass fails with DataFormatError at file:1, naming the file', async () => {
    const file = write('empty.jsonl', '');
    const p = new Pipeline({ trainData: new JSONLDataset(file, { keys: ['x'] }), batchSize: 2 });
    const e = await errorOf(collect(p));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.equal(`${file}:1: no records: the file is empty`);
  });

  it('D3 CSVDataset, empty file and header-only file: DataFormatError at file:line', () => {
    const empty = write('empty.csv', '');
    expect(() => new CSVDataset(empty)).to.throw(DataFormatError, `${empty}:1: the file is empty (expected a header row or data rows)`);
    const headerOnly = write('header.csv', 'x,y\n');
    expect(() => new CSVDataset(headerOnly)).to.throw(DataFormatError, `${headerOnly}:1: a header row but no data rows: "x,y"`);
  });

  it('D4 ConllDataset, blank lines only: ConllFormatError at the last line, "holds only blank or -DOCSTART- lines"', () => {
    const file = write('blank.bio', '\n\r\n   \n\t\n');
    expect(() => new ConllDataset(file, { format: 'mit-movie' })).to.throw(
      ConllFormatError,
      `${file}:4: no sentences: the file holds only blank or -DOCSTART- lines`,
    );
  });

  it('D5 JSONLDataset, blank lines only: DataFormatError "no records: the file holds only blank lines"', async () => {
    const file = write('blank.jsonl', '\n  \r\n\n');
    const e = await errorOf(collect(new Pipeline({ trainData: new JSONLDataset(file, { keys: ['x'] }), batchSize: 2 })));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.equal(`${file}:3: no records: the file holds only blank lines`);
  });

  it('D6 CSVDataset, blank lines only: DataFormatError "the file holds only blank lines"', () => {
    const file = write('blank.csv', '\n\r\n\n');
    expect(() => new CSVDataset(file)).to.throw(
      DataFormatError,
      `${file}:3: the file holds only blank lines (expected a header row or data rows)`,
    );
  });

  it('D7 ConllDataset, a line with the wrong column count: file:line, expected vs received, the line quoted', () => {
    const file = write('cols.bio', 'O\twhat\nO\tmovies\n\nB-ACTOR\tbruce\twillis\nI-ACTOR\twillis\n');
    const e = (() => {
      try {
        new ConllDataset(file, { format: 'mit-movie' });
      } catch (err) {
        return err as ConllFormatError;
      }
      throw new Error('expected an error');
    })();
    expect(e).to.be.instanceOf(ConllFormatError);
    expect(e.message).to.equal(`${file}:4: expected 2 tab-separated columns, got 3: "B-ACTOR\\tbruce\\twillis"`);
    expect(e.line).to.equal(4);
  });

  it('D8 CSVDataset and JSONLDataset, a row with a wrong field count / a missing key: file:line', async () => {
    const csv = write('cols.csv', 'x,y\n1,2\n3,4,5\n');
    expect(() => new CSVDataset(csv)).to.throw(DataFormatError, `${csv}:3: expected 2 columns, got 3: "3,4,5"`);
    const jsonl = write('keys.jsonl', '{"x":1,"y":2}\n{"x":3}\n');
    const e = await errorOf(
      collect(new Pipeline({ trainData: new JSONLDataset(jsonl, { keys: ['x', 'y'] }), batchSize: 1, shuffle: false })),
    );
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.equal(`${jsonl}:2: missing key "y" (record has: x)`);
  });

  it('D9 a tag not in the label vocabulary: OpError naming the op, key, tag, word, known labels and file:line', async () => {
    const file = write('tags.bio', 'O\twhat\nO\tmovies\n\nO\tshow\nB-ACTRO\ttom\nI-ACTOR\thanks\n');
    const labels = ['O', 'B-ACTOR', 'I-ACTOR'];
    const p = new Pipeline({
      trainData: new ConllDataset(file, { format: 'mit-movie' }),
      batchSize: 2,
      shuffle: false,
      ops: [new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels, maxLen: 16 })],
    });
    const e = (await errorOf(collect(p))) as OpError;
    expect(e).to.be.instanceOf(OpError);
    expect(e.message).to.equal(
      `BertTokenize (key "tags"): tag "B-ACTRO" (word 1) is not in labels (3 known: O, B-ACTOR, I-ACTOR) [sample 1 of the train data, ${file}:4]`,
    );
    expect(e.sample).to.deep.equal({ mode: 'train', dsId: '', index: 1, source: `${file}:4` });
  });

  it('D9b a tag only the test split holds stops fit before step 1, at the line of the tag', async () => {
    const train = write('split-train.tsv', 'what\tO\nmovies\tO\n\nshow\tO\ntom\tB-X\n');
    const test = write('split-test.tsv', 'show\tO\nme\tO\n\nfind\tO\nthe\tO\nmatrix\tB-Y\n');
    const trainDs = new ConllDataset(train);
    const labels = [...LabelVocab.fromTags(trainDs.tagSequences()).labels];
    const p = new Pipeline({
      trainData: trainDs,
      testData: new ConllDataset(test),
      batchSize: 2,
      ops: [new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels, maxLen: 16 })],
    });
    const e = (await errorOf((async () => p.checkData())())) as OpError;
    expect(e).to.be.instanceOf(OpError);
    expect(e.message).to.equal(
      `BertTokenize (key "tags"): tag "B-Y" (word 2) is not in labels (2 known: O, B-X); found before training [sample 1 of the test data, ${test}:6]`,
    );
    // The Estimator runs the check before its first step: no batch reaches the Network.
    let calls = 0;
    const network = new Network([new NetLambdaOp({ inputs: 'x', outputs: 'z', fn: (x: unknown) => (calls++, x) })]);
    const estimator = new Estimator({ pipeline: p, network, epochs: 1 });
    const fitError = await errorOf(estimator.fit());
    expect(fitError.message).to.equal(e.message);
    expect(calls).to.equal(0);
  });

  it('D10 CRLF line endings (real MIT Movie data): parsed and batched exactly as the LF file', async () => {
    const lf = mitMovieHead(300);
    const lfFile = write('head-lf.bio', lf);
    const crlfFile = write('head-crlf.bio', lf.replace(/\n/g, '\r\n'));
    const a = new ConllDataset(lfFile, { format: 'mit-movie' });
    const b = new ConllDataset(crlfFile, { format: 'mit-movie' });
    expect(a.length).to.equal(300);
    expect(b.sentences).to.deep.equal(a.sentences);
    expect(b.sentenceTags).to.deep.equal(a.sentenceTags);
    expect(Array.from(b.sentenceLines)).to.deep.equal(Array.from(a.sentenceLines));
    expect(b.sentenceTags.flat().some((t) => t.includes('\r'))).to.equal(false);
    const labels = [...new Set(a.sentenceTags.flat())].sort();
    const batches = (ds: ConllDataset) =>
      collect(
        new Pipeline({
          trainData: ds,
          batchSize: 32,
          seed: 5,
          ops: [new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels, maxLen: 48 })],
        }),
      );
    const [ba, bb] = [await batches(a), await batches(b)];
    expect(bb.length).to.equal(ba.length);
    bb.forEach((batch, i) => {
      expect((batch.x as NDArray).shape).to.deep.equal((ba[i]!.x as NDArray).shape);
      expect(Array.from((batch.x as NDArray).data as Int32Array)).to.deep.equal(Array.from((ba[i]!.x as NDArray).data as Int32Array));
      expect(Array.from((batch.y as NDArray).data as Int32Array)).to.deep.equal(Array.from((ba[i]!.y as NDArray).data as Int32Array));
    });
  });

  it('D11 a UTF-8 byte-order mark (real MIT Movie data, CoNLL and JSON lines): read exactly as without it', async () => {
    const lf = mitMovieHead(200);
    const plain = new ConllDataset(write('head.bio', lf), { format: 'mit-movie' });
    const bom = new ConllDataset(write('head-bom.bio', `\uFEFF${lf}`), { format: 'mit-movie' });
    expect(bom.sentences).to.deep.equal(plain.sentences);
    expect(bom.sentenceTags).to.deep.equal(plain.sentenceTags);
    expect(bom.sentences[0]![0]).to.equal('what'); // not '\uFEFFwhat'
    expect(bom.layout).to.deep.equal(plain.layout);
    const jsonl = plain.sentences.map((words, i) => JSON.stringify({ words, tags: plain.sentenceTags[i] })).join('\n');
    const read = async (file: string) => {
      const out: DataDict[] = [];
      for await (const r of new JSONLDataset(file, { keys: ['words', 'tags'], chunkSize: 7 }).iterate()) out.push(r);
      return out;
    };
    const withBom = await read(write('head-bom.jsonl', `\uFEFF${jsonl}`));
    expect(withBom).to.deep.equal(await read(write('head.jsonl', jsonl)));
    expect(withBom.length).to.equal(200);
  });

  it('D12 invalid UTF-8 bytes (ConllDataset, whole-file read): strict DataFormatError at file:line, the bad text shown', () => {
    const bytes = Buffer.concat([Buffer.from('O\twhat\n\nO\tcaf'), Buffer.from([0xc3, 0x28]), Buffer.from('\nO\tok\n')]);
    const file = write('bad-utf8.bio', bytes);
    expect(() => new ConllDataset(file, { format: 'mit-movie' })).to.throw(DataFormatError, `${file}:3: invalid UTF-8: "O\\tcaf\uFFFD("`);
  });

  it('D13 invalid UTF-8 bytes (JSONLDataset, streamed in chunks): DataFormatError at file:line when the line is read', async () => {
    const good = Array.from({ length: 40 }, (_, i) => JSON.stringify({ x: i })).join('\n');
    const bytes = Buffer.concat([Buffer.from(`${good}\n{"x":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    const file = write('bad-utf8.jsonl', bytes);
    const seen: DataDict[] = [];
    const e = await errorOf(
      (async () => {
        for await (const r of new JSONLDataset(file, { chunkSize: 16 }).iterate()) seen.push(r);
      })(),
    );
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.equal(`${file}:41: invalid UTF-8: "{\\"x\\":\\"\uFFFD\uFFFD\\"}"`);
    expect(seen.length).to.equal(40); // every good line before it was delivered, nothing replaced silently
  });

  it('D14 a 10,000-token sentence: BertTokenize truncates to maxLen keeping [CLS]/[SEP]; the batch stays maxLen wide', async () => {
    const n = 10_000;
    const long = Array.from({ length: n }, (_, i) => `${i % 3 === 0 ? 'B-ACTOR' : 'I-ACTOR'}\tword${i % 50}`).join('\n');
    const file = write('long.bio', `O\tshort\nO\tone\n\n${long}\n\nO\tanother\n`);
    const ds = new ConllDataset(file, { format: 'mit-movie' });
    expect(ds.sentences.map((s) => s.length)).to.deep.equal([2, n, 1]);
    const maxLen = 32;
    const p = new Pipeline({
      trainData: ds,
      batchSize: 3,
      shuffle: false,
      ops: [new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels: ['O', 'B-ACTOR', 'I-ACTOR'], maxLen })],
    });
    const t0 = performance.now();
    const [batch, ...rest] = await collect(p);
    const ms = performance.now() - t0;
    expect(rest).to.have.length(0);
    const x = batch!.x as NDArray;
    const y = batch!.y as NDArray;
    expect(x.shape).to.deep.equal([3, maxLen]);
    expect(y.shape).to.deep.equal([3, maxLen]);
    const row = Array.from(x.row(1).data as Int32Array);
    expect(row[0]).to.equal(tokenizer.clsId);
    expect(row[maxLen - 1]).to.equal(tokenizer.sepId);
    expect(row.filter((id) => id === tokenizer.padId && tokenizer.padId !== tokenizer.clsId).length).to.equal(0);
    // The short rows are padded to the long row's (truncated) width, not to 10,000.
    expect(Array.from(x.row(0).data as Int32Array).slice(0, 4)).to.deep.equal([
      tokenizer.clsId,
      tokenizer.wordToIds('short')[0],
      tokenizer.wordToIds('one')[0],
      tokenizer.sepId,
    ]);
    expect(ms, 'no blow-up: well under a second per 10k words').to.be.below(5000);
  });

  it('D15 a JSONL file deleted mid-epoch: the open pass completes from the open handle; the next epoch fails naming the file', async () => {
    const n = 120;
    const file = write('vanish.jsonl', Array.from({ length: n }, (_, i) => JSON.stringify({ x: i })).join('\n'));
    const p = new Pipeline({
      trainData: new JSONLDataset(file, { keys: ['x'], chunkSize: 32 }),
      batchSize: 4,
      shuffle: false,
      prefetch: 1,
    });
    const seen: number[] = [];
    let deleted = false;
    await within(
      (async () => {
        for await (const b of p.batches({ mode: 'train', epoch: 1 })) {
          seen.push(...Array.from((b.x as NDArray).data as ArrayLike<number>));
          if (!deleted) {
            fs.unlinkSync(file);
            deleted = true;
          }
        }
      })(),
      20_000,
      'epoch 1',
    );
    expect(deleted).to.equal(true);
    expect(seen).to.deep.equal(Array.from({ length: n }, (_, i) => i));
    const e = await within(errorOf(collect(p, 2)), 20_000, 'epoch 2');
    expect(e).to.be.instanceOf(DataFileError);
    expect(e.message).to.equal(
      `JSONLDataset: cannot read ${JSON.stringify(file)}: the file no longer exists (deleted or moved after the data set was created)`,
    );
    expect((e as DataFileError).file).to.equal(file);
  });
});
