import { expect } from 'chai';
import fc from 'fast-check';
import { lastValueFrom, count } from 'rxjs';
import {
  Batch,
  ConfigError,
  Delete,
  EpochScheduler,
  Fuse,
  LambdaOp,
  NDArray,
  NumpyOp,
  OneOf,
  Pipeline,
  PipelineError,
  RemoveIf,
  Repeat,
  Sometimes,
  type DataDict,
} from '@fets/pipeline';
import { BertTokenize, BertWordPieceTokenizer, NumpyDataset } from '@fets/pipeline';
import { shared } from '../../helpers.js';
import { Counter, Range } from './fixtures.js';

async function collect(p: Pipeline, req: Parameters<Pipeline['batches']>[0]): Promise<DataDict[]> {
  const out: DataDict[] = [];
  for await (const b of p.batches(req)) out.push(b);
  return out;
}
const xs = (batches: DataDict[]) => batches.flatMap((b) => Array.from((b.x as NDArray).data as Int32Array));

describe('pipeline/Pipeline', () => {
  it('batching never loses or duplicates a sample, for any size/batch/dropLast (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        fc.boolean(),
        async (n, bs, dropLast, shuffle) => {
          const p = new Pipeline({ trainData: new Range(n), ops: [new Batch({ batchSize: bs, dropLast })], shuffle });
          const batches = await collect(p, { mode: 'train', epoch: 1 });
          const seen = xs(batches);
          const expectedCount = dropLast ? Math.floor(n / bs) * bs : n;
          expect(seen.length).to.equal(expectedCount);
          expect(new Set(seen).size).to.equal(seen.length);
          for (const b of batches.slice(0, -1)) expect((b.x as NDArray).shape[0]).to.equal(bs);
          if (!dropLast) expect([...seen].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: n }, (_, i) => i));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a seeded shuffle is a permutation, repeatable, different across epochs and seeds', async () => {
    const order = async (seed: number, epoch: number) =>
      xs(await collect(new Pipeline({ trainData: new Range(100), batchSize: 7, seed }), { mode: 'train', epoch }));
    const a = await order(3, 1);
    expect([...a].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    expect(await order(3, 1)).to.deep.equal(a);
    expect(await order(3, 2)).to.not.deep.equal(a);
    expect(await order(4, 1)).to.not.deep.equal(a);
    // eval is not shuffled
    const p = new Pipeline({ trainData: new Range(10), evalData: new Range(10), batchSize: 4 });
    expect(xs(await collect(p, { mode: 'eval' }))).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('numSteps cuts an epoch short or extends it by cycling the data', async () => {
    const p = new Pipeline({ trainData: new Range(10), batchSize: 4 });
    expect((await collect(p, { mode: 'train', numSteps: 2 })).length).to.equal(2);
    const long = await collect(p, { mode: 'train', numSteps: 7 });
    expect(long.length).to.equal(7);
    expect(xs(long).length).to.equal(28);
  });

  it('collates NDArray samples exactly: whole copies for equal shapes, padding for ragged ones (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.constantFrom('float32' as const, 'int32' as const),
        fc.integer({ min: 1, max: 1000 }),
        (base, batch, ragged, dtype, seed) => {
          let s = seed;
          const next = () => (s = (s * 16807) % 2147483647);
          const shapes = Array.from({ length: batch }, () => base.map((d) => (ragged ? 1 + (next() % d) : d)));
          const samples = shapes.map((sh) => {
            const n = sh.reduce((a, b) => a * b, 1);
            const data =
              dtype === 'float32'
                ? Float32Array.from({ length: n }, () => next() / 1e6)
                : Int32Array.from({ length: n }, () => next() % 1000);
            return { x: new NDArray(data, sh, dtype) };
          });
          const pad = ragged ? -7 : undefined;
          const p = new Pipeline({ trainData: new Range(1), batchSize: batch, ...(pad !== undefined ? { padValue: pad } : {}) });
          const got = p.transformBatch(samples, 'infer').x as NDArray;
          // Reference: every element by its multi-index, the padding where a sample is shorter.
          const max = base.map((_, d) => Math.max(...shapes.map((sh) => sh[d]!)));
          const per = max.reduce((a, b) => a * b, 1);
          const want: number[] = [];
          for (let i = 0; i < batch; i++) {
            for (let flat = 0; flat < per; flat++) {
              const idx = max.map((_, d) => Math.floor(flat / max.slice(d + 1).reduce((a, b) => a * b, 1)) % max[d]!);
              const sh = shapes[i]!;
              const inside = idx.every((v, d) => v < sh[d]!);
              const at = idx.reduce((acc, v, d) => acc * sh[d]! + v, 0);
              want.push(inside ? Number((samples[i]!.x.data as Float32Array | Int32Array)[at]) : (pad ?? 0));
            }
          }
          expect(got.shape).to.deep.equal([batch, ...max]);
          expect(got.dtype).to.equal(dtype);
          expect(Array.from(got.data as Float32Array)).to.deep.equal(
            Array.from(dtype === 'float32' ? Float32Array.from(want) : Int32Array.from(want)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('pads ragged keys to the batch longest with padValue, declared per op or per key', async () => {
    class Seq extends NumpyOp {
      constructor() {
        super({ inputs: 'x', outputs: ['ids', 'labels'] });
        this.padValues = { ids: 0, labels: -100 };
      }
      forward(x: number) {
        return [Array.from({ length: (x % 3) + 1 }, () => 7), Array.from({ length: (x % 3) + 1 }, () => 1)];
      }
    }
    const p = new Pipeline({ trainData: new Range(3), evalData: new Range(3), batchSize: 3, ops: [new Seq()] });
    const b = (await p.getResults({ mode: 'eval' })) as DataDict;
    expect((b.ids as NDArray).toArray()).to.deep.equal([
      [7, 0, 0],
      [7, 7, 0],
      [7, 7, 7],
    ]);
    expect((b.labels as NDArray).toArray()).to.deep.equal([
      [1, -100, -100],
      [1, 1, -100],
      [1, 1, 1],
    ]);
    expect((b.x as NDArray).dtype).to.equal('int32');
    // without pad values, ragged samples are an error naming the key
    const q = new Pipeline({
      trainData: new Range(3),
      batchSize: 3,
      ops: [new LambdaOp({ fn: (x: number) => Array(x + 1).fill(1), inputs: 'x', outputs: 'r' })],
    });
    let err: unknown;
    try {
      await q.getResults({ mode: 'train' });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/Batch \(key "r"\).*different shapes.*padValue/);
  });

  it('RemoveIf with replacement keeps the epoch length; without it shortens the epoch', async () => {
    const drop = (replacement: boolean) => new RemoveIf({ fn: (x: number) => x % 2 === 1, inputs: 'x', replacement });
    const withRep = xs(await collect(new Pipeline({ trainData: new Range(20), batchSize: 5, ops: [drop(true)] }), { mode: 'train' }));
    expect(withRep.length).to.equal(20);
    expect(withRep.every((x) => x % 2 === 0)).to.equal(true);
    const noRep = xs(await collect(new Pipeline({ trainData: new Range(20), batchSize: 5, ops: [drop(false)] }), { mode: 'train' }));
    expect(noRep.length).to.equal(10);
  });

  it('runs ops by mode, scheduled ops by epoch, and per-mode batch sizes', async () => {
    const add = (k: number) => new LambdaOp({ fn: (x: number) => x + k, inputs: 'x', outputs: 'z' });
    const p = new Pipeline({
      trainData: new Range(8),
      evalData: new Range(8),
      batchSize: { train: 4, eval: 8 },
      ops: [
        new EpochScheduler({ 1: add(100), 3: add(1000) }),
        new LambdaOp({ fn: (z: number) => -z, inputs: 'z', outputs: 'z', mode: 'eval' }),
      ],
    });
    const e1 = (await p.getResults({ mode: 'eval', epoch: 1 })) as DataDict;
    expect((e1.z as NDArray).shape).to.deep.equal([8]);
    expect((e1.z as NDArray).get(0)).to.equal(-100);
    const t3 = (await p.getResults({ mode: 'train', epoch: 3 })) as DataDict;
    expect((t3.z as NDArray).shape).to.deep.equal([4]);
    expect((t3.z as NDArray).get(0)).to.equal(1000);
  });

  it('ops after Batch run on the whole batch', async () => {
    const p = new Pipeline({
      trainData: new Range(6),
      ops: [new Batch({ batchSize: 3 }), new LambdaOp({ fn: (x: NDArray) => (x.get(0) as number) * 10, inputs: 'x', outputs: 'x10' })],
      shuffle: false,
    });
    const b = (await p.getResults({ mode: 'train' })) as DataDict;
    expect((b.x10 as NDArray).toArray()).to.deep.equal([0, 10, 20]);
  });

  it('meta ops: Sometimes is seeded, OneOf picks, Repeat repeats, Fuse chains', async () => {
    const inc = new LambdaOp({ fn: (x: number) => x + 1, inputs: 'x', outputs: 'x' });
    const dbl = new LambdaOp({ fn: (x: number) => x * 2, inputs: 'x', outputs: 'x' });
    const run = async (op: NumpyOp) =>
      xs(await collect(new Pipeline({ trainData: new Range(200), batchSize: 50, ops: [op], shuffle: false }), { mode: 'train' }));
    const some = await run(new Sometimes({ op: inc, prob: 0.25 }));
    const changed = some.filter((x, i) => x !== i).length;
    expect(changed).to.be.within(25, 75);
    expect(await run(new Sometimes({ op: inc, prob: 0.25 }))).to.deep.equal(some);
    const one = await run(new OneOf(inc, dbl));
    expect(one.every((x, i) => x === i + 1 || x === i * 2)).to.equal(true);
    expect(await run(new Repeat({ op: inc, repeat: 3 }))).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 3));
    expect(await run(new Repeat({ op: inc, repeat: (x: number) => x % 10 !== 0 }))).to.deep.equal(
      Array.from({ length: 200 }, (_, i) => (i % 10 === 0 ? i : Math.ceil(i / 10) * 10)),
    );
    expect(await run(new Fuse([inc, dbl]))).to.deep.equal(Array.from({ length: 200 }, (_, i) => (i + 1) * 2));
    // The meta ops' one rule (the Network's too): a skipped op leaves its outputs as they were, so an output it does
    // not read is an input of Sometimes, and a Pipeline where nothing produces it is refused when built.
    const maybeZ = new Sometimes({ op: new LambdaOp({ fn: (x: number) => x, inputs: 'x', outputs: 'z' }) });
    expect(maybeZ.inputs).to.deep.equal(['x', 'z']);
    expect(() => new Pipeline({ trainData: new Range(4), batchSize: 2, ops: [maybeZ] })).to.throw(
      PipelineError,
      /op Sometimes reads key "z"/,
    );
  });

  it('checks the op graph when built: a key nobody produces names the op, key, mode and what is available', () => {
    const bad = () =>
      new Pipeline({
        trainData: new Range(4),
        evalData: new Range(4),
        batchSize: 2,
        ops: [new Delete({ inputs: 'y', mode: 'eval' }), new LambdaOp({ fn: (y: number) => y, inputs: 'y', outputs: 'z' })],
      });
    expect(bad).to.throw(PipelineError, /op LambdaOp reads key "y" in mode "eval".*\n.*provides: x, y; available before LambdaOp: x/);
    expect(() => new Pipeline({ trainData: new Range(4), batchSize: 0 })).to.throw(ConfigError, /batchSize/);
    expect(() => new Pipeline({ trainData: new Range(4), batchsize: 2 } as never)).to.throw(ConfigError, /did you mean "batchSize"/);
  });

  it('transform runs the infer ops on one sample and returns a batch of one', () => {
    const p = new Pipeline({
      trainData: new Range(4),
      batchSize: 2,
      ops: [
        new LambdaOp({ fn: (x: number) => [x, x + 1], inputs: 'x', outputs: 'pair' }),
        new LambdaOp({ fn: (y: number) => y, inputs: 'y', outputs: 'yy', mode: '!infer' }),
      ],
    });
    const b = p.transform({ x: 5 }, 'infer');
    expect((b.pair as NDArray).toArray()).to.deep.equal([[5, 6]]);
    expect(b).to.not.have.property('yy');
  });

  it('streams a 1,000,000-sample generator with flat memory (bounded prefetch), also through rxjs', async function () {
    this.timeout(120_000);
    const p = new Pipeline({ trainData: new Counter(1_000_000), batchSize: 100, padValue: 0, shuffleBuffer: 256, prefetch: 4 });
    global.gc?.();
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let n = 0;
    for await (const b of p.batches({ mode: 'train' })) {
      n += (b.x as NDArray).shape[0]!;
      if (n % 100_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    }
    expect(n).to.equal(1_000_000);
    expect(peak).to.be.below(64 * 1024 * 1024);
    const batches = await lastValueFrom(
      new Pipeline({ trainData: new Counter(10_000), batchSize: 100, padValue: 0 }).stream({ mode: 'train' }).pipe(count()),
    );
    expect(batches).to.equal(100);
  });

  it('benchmark prints steps/sec and the per-op table', async () => {
    const lines: string[] = [];
    const p = new Pipeline({
      trainData: new Range(1000),
      batchSize: 10,
      ops: [new LambdaOp({ fn: (x: number) => x * 2, inputs: 'x', outputs: 'x2' })],
    });
    const r = await p.benchmark({ numSteps: 20, log: (l) => lines.push(l) });
    expect(r.steps).to.equal(20);
    expect(r.samples).to.equal(200);
    expect(lines[0]).to.match(/steps\/sec/);
    expect(lines.join('\n')).to.match(/LambdaOp.*x.*x2/);
    expect(r.ops.find((o) => o.op === 'LambdaOp')!.visits).to.equal(200);
  });
});

describe('pipeline/Pipeline with BertTokenize', () => {
  it('transform in infer mode works without tags (optional input), train mode still requires them', async () => {
    const tokenizer = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), { lowercase: true });
    const labels = ['O', 'B-ACTOR', 'I-ACTOR'];
    const op = new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels, maxLen: 16 });
    const p = new Pipeline({
      trainData: new NumpyDataset({ words: [['bruce', 'willis']], tags: [['B-ACTOR', 'I-ACTOR']] }),
      batchSize: 1,
      ops: [op],
    });
    const b = p.transform({ words: ['bruce', 'willis', 'rocks'] }, 'infer');
    expect((b.x as NDArray).shape).to.deep.equal([1, 5]);
    expect(b).to.not.have.property('y');
    const t = (await p.getResults({ mode: 'train' })) as DataDict;
    expect((t.y as NDArray).toArray()).to.deep.equal([[-100, 1, 2, -100]]);
    expect(() => p.transform({ words: ['a'] }, 'train')).to.throw(PipelineError, /reads key "tags" in mode "train"/);
  });
});
