import { expect } from 'chai';
import fc from 'fast-check';
import {
  AttentionMask,
  Batch,
  BertTokenize,
  BertWordPieceTokenizer,
  type NDArray,
  NumpyDataset,
  Pipeline,
  bucketGroups,
  mitMovie,
  seededRandom,
  type DataDict,
} from '@fets/pipeline';
import { errorOf, shared } from '../../helpers.js';

/** Batches of one epoch, with the ids of their samples. */
async function epochIds(pipeline: Pipeline, epoch = 1): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of pipeline.batches({ mode: 'train', epoch })) out.push(Array.from((b.id as NDArray).data as Int32Array));
  return out;
}

const ragged = (n: number, seed: number) => {
  const rng = seededRandom(seed);
  const lens = Array.from({ length: n }, () => 1 + Math.floor(rng() * 40));
  return new NumpyDataset({ id: lens.map((_, i) => i), x: lens.map((l) => Array.from({ length: l }, (_, j) => j + 1)) });
};

describe('Batch bucketBy (length-grouped batches)', () => {
  it('bucketGroups: every sample once, batches sorted within the pool, only the last batch short', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(60), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        (lens, bs, seed) => {
          const samples: DataDict[] = lens.map((l, i) => ({ id: i, x: new Array(l).fill(0) }));
          const groups = bucketGroups(samples, bs, 'x', seededRandom(seed));
          const ids = groups.flat().map((s) => s.id as number);
          expect([...ids].sort((a, b) => a - b)).to.deep.equal(lens.map((_, i) => i));
          groups.forEach((g, i) => {
            if (i < groups.length - 1) expect(g.length).to.equal(bs);
          });
          // Sorted pool cut into batches: the batches' length ranges do not interleave.
          const ranges = groups.map(
            (g) => [Math.min(...g.map((s) => (s.x as unknown[]).length)), Math.max(...g.map((s) => (s.x as unknown[]).length))] as const,
          );
          const byMin = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          for (let i = 1; i < byMin.length; i++) expect(byMin[i]![0]).to.be.at.least(byMin[i - 1]![1]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an epoch covers every sample exactly once, is seeded, and varies between epochs', async () => {
    const data = ragged(1000, 7);
    const make = () =>
      new Pipeline({ trainData: data, seed: 3, ops: [new Batch({ batchSize: 16, bucketBy: 'x', bucketBatches: 8, padValue: 0 })] });
    const a = await epochIds(make());
    const b = await epochIds(make());
    expect(a).to.deep.equal(b);
    expect(a.flat().sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    expect(a.length).to.equal(Math.ceil(1000 / 16));
    expect(await epochIds(make(), 2)).to.not.deep.equal(a);
  });

  it('dropLast drops only the one short batch of the epoch', async () => {
    const data = ragged(1000, 8);
    const p = new Pipeline({
      trainData: data,
      seed: 1,
      ops: [new Batch({ batchSize: 16, bucketBy: 'x', bucketBatches: 8, dropLast: true, padValue: 0 })],
    });
    const ids = await epochIds(p);
    expect(ids.length).to.equal(Math.floor(1000 / 16));
    expect(ids.every((b) => b.length === 16)).to.equal(true);
  });

  it('on MIT Movie, cuts padding: padded tokens per real token fall well below unbucketed batching', async () => {
    const { train, labels } = await mitMovie.loadData({ rootDir: shared('datasets', 'mit-movie') });
    const tokenizer = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), { lowercase: true });
    const padding = async (bucketBy?: string) => {
      const p = new Pipeline({
        trainData: train,
        seed: 0,
        ops: [
          new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels: [...labels.labels], maxLen: 48 }),
          new AttentionMask({ inputs: 'x', outputs: 'xMask' }),
          new Batch({ batchSize: 32, ...(bucketBy ? { bucketBy } : {}) }),
        ],
      });
      let cells = 0;
      let real = 0;
      let samples = 0;
      for await (const b of p.batches({ mode: 'train', epoch: 1 })) {
        const m = b.xMask as NDArray;
        cells += m.size;
        samples += m.shape[0]!;
        for (let i = 0; i < m.size; i++) real += m.data[i] as number;
      }
      return { ratio: cells / real, samples, real };
    };
    const plain = await padding();
    const bucketed = await padding('x');
    expect(bucketed.samples).to.equal(plain.samples);
    expect(bucketed.real).to.equal(plain.real);
    expect(plain.ratio).to.be.greaterThan(1.3);
    expect(bucketed.ratio).to.be.lessThan(1.05);
  });

  it('a bucketBy key without a length is an error naming the key', async () => {
    const data = new NumpyDataset({ id: [1, 2, 3], x: [1, 2, 3] });
    const p = new Pipeline({ trainData: data, ops: [new Batch({ batchSize: 2, bucketBy: 'nope' })] });
    const err = await errorOf(epochIds(p));
    expect(err.message).to.match(/bucketBy key "nope".*undefined/);
  });

  it('rejects bucketBatches < 2', () => {
    expect(() => new Batch({ batchSize: 2, bucketBy: 'x', bucketBatches: 1 })).to.throw(/bucketBatches/);
  });
});
