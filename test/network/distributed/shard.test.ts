import { expect } from 'chai';
import * as fc from 'fast-check';
import { Batch, NumpyDataset, Pipeline, shardLength, shardOrder, type NDArray } from '@fets/pipeline';
import { detectLaunch, fusionGroups, threadsPerRank } from '@fets/network';

describe('distributed: shards, fusion groups, launch detection (no MPI needed)', () => {
  it('eval/test shards (no pad) hold every position exactly once; training shards are equal and add the opening positions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 9 }), (n, size) => {
        const order = Array.from({ length: n }, (_, i) => (i * 7919) % Math.max(1, n));
        const even = Array.from({ length: size }, (_, rank) => shardOrder(order, { rank, size, pad: false }));
        const seen = even.flat().sort((a, b) => a - b);
        expect(seen).to.deep.equal([...order].sort((a, b) => a - b));
        even.forEach((s, rank) => expect(s.length).to.equal(shardLength(n, { rank, size, pad: false })));
        const padded = Array.from({ length: size }, (_, rank) => shardOrder(order, { rank, size, pad: true }));
        const per = Math.ceil(n / size);
        for (const [rank, s] of padded.entries()) {
          expect(s.length).to.equal(per);
          expect(shardLength(n, { rank, size, pad: true })).to.equal(per);
        }
        // Interleaved back, the padded shards are the order extended cyclically by its opening positions (PyTorch's
        // DistributedSampler repeats the indices the same way).
        const back = Array.from({ length: per * size }, (_, p) => padded[p % size]![Math.floor(p / size)]);
        expect(back).to.deep.equal(Array.from({ length: per * size }, (_, p) => order[p % n]));
      }),
    );
  });

  it('the Pipeline reads each rank its shard of the same seeded order, bucketing within the shard', async () => {
    const ds = NumpyDataset.fromRecords(Array.from({ length: 23 }, (_, i) => ({ id: i, x: Array.from({ length: 1 + (i % 5) }, () => 1) })));
    const pipeline = new Pipeline({ trainData: ds, evalData: ds, batchSize: 4, seed: 3, padValue: 0 });
    const ids = async (mode: 'train' | 'eval', shard?: { rank: number; size: number; pad: boolean }, p: Pipeline = pipeline) => {
      const out: number[] = [];
      for await (const b of p.batches({ mode, epoch: 2, ...(shard ? { shard } : {}) }))
        out.push(...Array.from((b.id as NDArray).data as ArrayLike<number>));
      return out;
    };
    const whole = await ids('train');
    const r0 = await ids('train', { rank: 0, size: 2, pad: true });
    const r1 = await ids('train', { rank: 1, size: 2, pad: true });
    expect(r0).to.have.length(12);
    expect(r1).to.have.length(12);
    expect(r0).to.deep.equal(whole.filter((_, p) => p % 2 === 0));
    expect(r1).to.deep.equal([...whole.filter((_, p) => p % 2 === 1), whole[0]]);
    const e = [
      await ids('eval', { rank: 0, size: 3, pad: false }),
      await ids('eval', { rank: 1, size: 3, pad: false }),
      await ids('eval', { rank: 2, size: 3, pad: false }),
    ];
    expect(e.map((s) => s.length)).to.deep.equal([8, 8, 7]);
    expect(e.flat().sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 23 }, (_, i) => i));
    // Bucketing sorts within a rank's pool: the shard's samples (reordered), never another rank's.
    const bucketed = new Pipeline({
      trainData: ds,
      seed: 3,
      ops: [new Batch({ batchSize: 4, padValue: 0, bucketBy: 'x', bucketBatches: 2 })],
    });
    const b1 = await ids('train', { rank: 1, size: 2, pad: true }, bucketed);
    expect([...b1].sort((a, b) => a - b)).to.deep.equal([...r1].sort((a, b) => a - b));
  });

  it('fusion groups keep order, stay under the buffer, and give an oversized tensor a group of its own', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 40 }), fc.integer({ min: 4, max: 30_000 }), (sizes, bytes) => {
        const groups = fusionGroups(sizes, bytes);
        expect(groups.flat()).to.deep.equal(sizes.map((_, i) => i));
        for (const g of groups) {
          const total = g.reduce((a, i) => a + 4 * sizes[i]!, 0);
          if (g.length > 1) expect(total).to.be.at.most(bytes);
        }
      }),
    );
  });

  it('launch detection: Open MPI, Slurm steps (not a bare salloc), --distributed; threads per rank share the cores', () => {
    expect(detectLaunch({ OMPI_COMM_WORLD_SIZE: '4' }, [])).to.deep.equal({ launcher: 'mpirun (OMPI_COMM_WORLD_SIZE=4)', size: 4 });
    expect(detectLaunch({ PMI_SIZE: '8' }, [])?.size).to.equal(8);
    expect(detectLaunch({ SLURM_NTASKS: '8' }, [])).to.equal(undefined);
    expect(detectLaunch({ SLURM_NTASKS: '8', SLURM_STEP_ID: '0' }, [])?.size).to.equal(8);
    expect(detectLaunch({ PMIX_RANK: '1' }, [])?.launcher).to.match(/PMIx/);
    expect(detectLaunch({}, ['node', 'x', '--distributed'])?.launcher).to.equal('--distributed');
    expect(detectLaunch({}, [])).to.equal(undefined);
    expect(threadsPerRank({ localSize: 2 }, 8)).to.equal(4);
    expect(threadsPerRank({ localSize: 3 }, 2)).to.equal(1);
  });
});
