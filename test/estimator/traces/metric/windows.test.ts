import { expect } from 'chai';
import fc from 'fast-check';
import {
  BertTokenize,
  BertWordPieceTokenizer,
  NDArray,
  NumpyDataset,
  Pipeline,
  WindowedDataset,
  bc5cdrChem,
  randomInt,
  seededRandom,
  type DataDict,
  type Rng,
} from '@fets/pipeline';
import { Data, SeqEval, System, TagPredictions } from '@fets/estimator';
import { seqevalReport } from '@fets/estimator/seqeval';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shared } from '../../../helpers.js';

/**
 * Per-token class ids for a batch: each token of a word this row scores carries `pred[sentence][word]`; every other
 * token (a word another window scores, special tokens, padding) carries a random class, so a stitcher that took a
 * word from the wrong window would be caught.
 */
function predictionsFor(batch: DataDict, pred: readonly (readonly number[])[], classes: number, rng: Rng): NDArray {
  const wid = batch.wordIds as NDArray;
  const win = batch.window as NDArray;
  const [b, l] = wid.shape as [number, number];
  const out = new Int32Array(b * l);
  for (let i = 0; i < b; i++) {
    const [s, start, own0, own1] = Array.from((win.data as Int32Array).subarray(i * 5, i * 5 + 4));
    for (let p = 0; p < l; p++) {
      const w = (wid.data as Int32Array)[i * l + p]!;
      const g = start! + w;
      out[i * l + p] = w >= 0 && g >= own0! && g < own1! ? pred[s!]![g]! : randomInt(rng, classes);
    }
  }
  return new NDArray(out, [b, l], 'int32');
}

async function epoch(pipeline: Pipeline, traces: (SeqEval | TagPredictions)[], pred: readonly (readonly number[])[], classes: number) {
  const rng = seededRandom(5);
  for (const t of traces) {
    t.system = new System({ totalEpochs: 1, mode: 'test' });
    t.onEpochBegin();
  }
  for await (const batch of pipeline.batches({ mode: 'test' })) {
    const d = new Data({ ...batch, yPred: predictionsFor(batch, pred, classes, rng) });
    for (const t of traces) t.onBatchEnd(d);
  }
  const end = new Data();
  for (const t of traces) await t.onEpochEnd(end);
  return end;
}

describe('estimator/traces/metric: long sentences in windows, stitched back', function () {
  this.timeout(120_000);

  it('BC5CDR-chem devel at maxLen 64: every word scored once, support 5,347, the same report as seqeval on the whole file', async () => {
    const { evalData, labels } = await bc5cdrChem.loadData({ rootDir: shared('datasets', 'bc5cdr-chem') });
    const tokenizer = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-cased-vocab.txt'), { lowercase: false });
    const names = [...labels.labels];
    const tokenize = new BertTokenize({
      inputs: ['words', 'tags'],
      outputs: ['x', 'y', 'wordIds'],
      tokenizer,
      labels: names,
      maxLen: 64,
      returnWordIds: true,
    });
    const windowed = new WindowedDataset(evalData, { tokenize, stride: 16 });
    expect(windowed.splitSentences).to.be.above(300);
    expect(windowed.length).to.be.above(evalData.length);
    const pipeline = new Pipeline({ testData: windowed, batchSize: 32, ops: [tokenize] });

    const gold: string[][] = [];
    for (let i = 0; i < evalData.length; i++) gold.push(evalData.get(i).tags as string[]);
    // A noisy tagger: 10% of the words get a random tag; words without sub-tokens can only be predicted O.
    const rng = seededRandom(11);
    const predIds = gold.map((s, i) =>
      s.map((t, w) => {
        const word = (evalData.get(i).words as string[])[w]!;
        if (tokenizer.wordToIds(word).length === 0) return 0;
        return rng() < 0.1 ? randomInt(rng, names.length) : names.indexOf(t);
      }),
    );
    expect(names[0]).to.equal('O');
    const predTags = predIds.map((s) => s.map((c) => names[c]!));
    const keys = { predKey: 'yPred', wordIdsKey: 'wordIds', tagsKey: 'tags', windowKey: 'window', labels: names };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-windows-'));
    const seqeval = new SeqEval({ ...keys, mode: 'test' });
    const writer = new TagPredictions({ ...keys, wordsKey: 'words', saveDir: dir });
    const out = await epoch(pipeline, [seqeval, writer], predIds, names.length);

    const ref = seqevalReport(gold, predTags, { mode: 'strict', scheme: 'IOB2' });
    expect(ref['micro avg']!.support).to.equal(5347);
    expect(out.get('seqeval_report')).to.deep.equal(ref);
    expect(seqeval.yTrue).to.deep.equal(gold);
    // predictions.conll holds every word of devel.tsv, in order, with its gold and predicted tag.
    const lines = fs.readFileSync(path.join(dir, 'predictions.conll'), 'utf8').trimEnd().split('\n\n');
    expect(lines).to.have.length(evalData.length);
    const words = lines.flatMap((s) => s.split('\n').map((l) => l.split(' ')[0]));
    expect(words).to.deep.equal(gold.flatMap((_, i) => evalData.get(i).words as string[]));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('property: random sentences, windows and strides: each word predicted exactly once; a sentence that fits is unchanged', async () => {
    const tokenizer = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), { lowercase: true });
    // Words of 1 to 4 sub-tokens, and one with none (a lone control character).
    const vocab = ['the', 'dark', 'knight', 'unbelievably', 'christopherson', 'xylophonist', '\u0007', 'bale', '1999'];
    const labels = ['O', 'B-X', 'I-X'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: vocab.length - 1 }), { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 3, max: 24 }),
        fc.integer({ min: 0, max: 30 }),
        async (sentences, maxLen, stride) => {
          const words = sentences.map((s) => s.map((i) => vocab[i]!));
          const tags = words.map((s) => s.map((_, j) => labels[j % 3]!));
          const tokenize = new BertTokenize({
            inputs: ['words', 'tags'],
            outputs: ['x', 'y', 'wordIds'],
            tokenizer,
            labels,
            maxLen,
            returnWordIds: true,
          });
          const source = new NumpyDataset({ words, tags });
          const windowed = new WindowedDataset(source, { tokenize, stride });
          // A sentence that fits: one window, the same ids, labels and word ids as without windows.
          for (let k = 0; k < windowed.length; k++) {
            const { sentence, window } = windowed.windows[k]!;
            const n = words[sentence]!.length;
            if (window.start === 0 && window.end === n) {
              const plain = tokenize.forward([words[sentence], tags[sentence]]) as Int32Array[];
              const cut = tokenize.forward([windowed.get(k).words, windowed.get(k).tags]) as Int32Array[];
              expect(cut).to.deep.equal(plain);
            }
          }
          // An oracle per word (its own sentence/word number): stitched, each word's prediction is its own.
          const classes = 1 + words.reduce((m, s) => m + s.length, 0);
          let next = 1;
          const pred = words.map((s) => s.map((w) => (tokenizer.wordToIds(w).length > 0 ? next++ : (next++, 0))));
          const names = Array.from({ length: classes }, (_, i) => (i === 0 ? 'O' : `B-W${i}`));
          const seqeval = new SeqEval({
            predKey: 'yPred',
            wordIdsKey: 'wordIds',
            tagsKey: 'tags',
            windowKey: 'window',
            labels: names,
            mode: 'test',
          });
          const pipeline = new Pipeline({ testData: windowed, batchSize: 3, ops: [tokenize] });
          await epoch(pipeline, [seqeval], pred, classes);
          expect(seqeval.yPred).to.deep.equal(pred.map((s) => s.map((c) => names[c]!)));
          expect(seqeval.yTrue).to.deep.equal(tags);
        },
      ),
      { numRuns: 60 },
    );
  });
});
