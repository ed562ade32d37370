import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { NDArray, randomInt, seededRandom, type DataDict, type Rng } from '@fets/pipeline';
import { Data, SeqEval, System } from '@fets/estimator';
import { seqevalReport, type SeqevalReport } from '@fets/estimator/seqeval';
import { shared } from '../../../helpers.js';

/** Tag sequences of a CoNLL-style .bio file (tag \t word per line, blank line between sentences). */
function readTags(file: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(line.split('\t')[0]!);
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Replaces about `rate` of the tags with a random tag (may create invalid IOB2 sequences, as a real model does). */
function corrupt(tags: string[][], labels: string[], rate: number, rng: Rng): string[][] {
  return tags.map((s) => s.map((t) => (rng() < rate ? labels[randomInt(rng, labels.length)]! : t)));
}

/**
 * Builds BERT-like batches: [CLS], each word's first sub-token carrying its label and 0–2 more sub-tokens at -100,
 * [SEP], padding to the batch's longest row; logits are noise with the predicted tag on top at labelled positions.
 */
function toBatches(yTrue: string[][], yPred: string[][], labels: string[], batchSize: number, rng: Rng, asIds: boolean): DataDict[] {
  const id = new Map(labels.map((l, i) => [l, i]));
  const batches: DataDict[] = [];
  for (let s = 0; s < yTrue.length; s += batchSize) {
    const rows = yTrue.slice(s, s + batchSize).map((t, k) => {
      const p = yPred[s + k]!;
      const y: number[] = [-100];
      const pr: number[] = [randomInt(rng, labels.length)];
      t.forEach((tag, w) => {
        y.push(id.get(tag)!);
        pr.push(id.get(p[w]!)!);
        for (let extra = randomInt(rng, 3); extra > 0; extra--) {
          y.push(-100);
          pr.push(randomInt(rng, labels.length));
        }
      });
      y.push(-100);
      pr.push(randomInt(rng, labels.length));
      return { y, pr };
    });
    const len = Math.max(...rows.map((r) => r.y.length));
    const c = labels.length;
    const y = new Int32Array(rows.length * len).fill(-100);
    const ids = new Int32Array(rows.length * len);
    const logits = new Float32Array(rows.length * len * c);
    rows.forEach((r, i) => {
      for (let j = 0; j < len; j++) {
        const pid = j < r.pr.length ? r.pr[j]! : randomInt(rng, c);
        if (j < r.y.length) y[i * len + j] = r.y[j]!;
        ids[i * len + j] = pid;
        for (let k = 0; k < c; k++) logits[(i * len + j) * c + k] = rng() * 2 - 1;
        logits[(i * len + j) * c + pid] = 1.5 + rng();
      }
    });
    batches.push({
      y: new NDArray(y, [rows.length, len], 'int32'),
      yPred: asIds ? new NDArray(ids, [rows.length, len], 'int32') : new NDArray(logits, [rows.length, len, c], 'float32'),
    });
  }
  return batches;
}

function runEpoch(trace: SeqEval, batches: DataDict[]): Data {
  trace.system = new System({ totalEpochs: 1, mode: 'eval' });
  trace.onEpochBegin();
  for (const b of batches) trace.onBatchEnd(new Data(b));
  const end = new Data();
  trace.onEpochEnd(end);
  return end;
}

describe('estimator/traces/metric SeqEval trace', () => {
  const yTrue = readTags(shared('datasets', 'mit-movie', 'engtest.bio'));
  const labels = ['O', ...[...new Set(yTrue.flat())].filter((t) => t !== 'O').sort()];

  for (const evalMode of ['strict', 'default'] as const) {
    it(`${evalMode} mode: MIT Movie test tags with 10% corrupted equal a direct seqevalReport call`, () => {
      const rng = seededRandom(evalMode === 'strict' ? 1 : 2);
      const yPred = corrupt(yTrue, labels, 0.1, rng);
      const batches = toBatches(yTrue, yPred, labels, 32, rng, false);
      const out = runEpoch(new SeqEval({ trueKey: 'y', predKey: 'yPred', labels, evalMode }), batches);
      const ref = seqevalReport(yTrue, yPred, evalMode === 'strict' ? { mode: 'strict', scheme: 'IOB2' } : {});
      const micro = ref['micro avg']!;
      expect(out.logs.get('f1')).to.equal(micro['f1-score']);
      expect(out.logs.get('precision')).to.equal(micro.precision);
      expect(out.logs.get('recall')).to.equal(micro.recall);
      expect([...out.logs.keys()]).to.deep.equal(['f1', 'precision', 'recall']);
      expect(out.get<SeqevalReport>('seqeval_report')).to.deep.equal(ref);
      expect(micro['f1-score']).to.be.within(0.6, 0.95);
      expect(micro.support).to.be.greaterThan(3000);
    });
  }

  it('predicted ids [B, L] give the same numbers as logits; outputPrefix renames the keys', () => {
    const rng = seededRandom(7);
    const some = yTrue.slice(0, 300);
    const yPred = corrupt(some, labels, 0.1, rng);
    const withIds = runEpoch(
      new SeqEval({ trueKey: 'y', predKey: 'yPred', labels, outputPrefix: 'ner_' }),
      toBatches(some, yPred, labels, 16, seededRandom(3), true),
    );
    const withLogits = runEpoch(
      new SeqEval({ trueKey: 'y', predKey: 'yPred', labels }),
      toBatches(some, yPred, labels, 16, seededRandom(3), false),
    );
    expect(withIds.logs.get('ner_f1')).to.equal(withLogits.logs.get('f1'));
    expect(withIds.logs.get('ner_f1')).to.equal(seqevalReport(some, yPred, { mode: 'strict', scheme: 'IOB2' })['micro avg']!['f1-score']);
  });

  it('a perfect tagger scores 1; wrong class count and shapes are errors naming the key', () => {
    const some = yTrue.slice(0, 50);
    const out = runEpoch(new SeqEval({ trueKey: 'y', predKey: 'yPred', labels }), toBatches(some, some, labels, 8, seededRandom(1), false));
    expect(out.logs.get('f1')).to.equal(1);
    const b = toBatches(some, some, labels, 8, seededRandom(1), false)[0]!;
    expect(() => runEpoch(new SeqEval({ trueKey: 'y', predKey: 'yPred', labels: labels.slice(1) }), [b])).to.throw(
      /SeqEval: key "yPred": has 25 classes on its last axis but labels has 24 tags/,
    );
    const flat = { y: NDArray.from([1, 2], 'int32'), yPred: NDArray.from([1, 2], 'int32') };
    expect(() => runEpoch(new SeqEval({ trueKey: 'y', predKey: 'yPred', labels }), [flat])).to.throw(
      /SeqEval: key "y": expected label ids \[B, L\]/,
    );
    expect(() => new SeqEval({ trueKey: 'y', predKey: 'yPred', labels, mode: 'strict' } as never)).to.throw(/SeqEval: mode/);
  });
});
