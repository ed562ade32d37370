import { expect } from 'chai';
import { requireMpi, runRanks } from './mpirun.js';

describe('distributed: the MPI binding under mpirun -np 2', function () {
  this.timeout(180_000);
  before(function () {
    requireMpi(this);
  });

  it('allreduce (wasm heap view, max/min, float64), broadcast, allgatherv and the fused mean agree with sums each rank computes', async () => {
    const r = await runRanks('collectives.ts', 2, { timeoutMs: 150_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).to.equal(0);
    const oks = r.stdout.split('\n').filter((l) => l.startsWith('ok '));
    expect(oks).to.have.length(2);
    for (const l of oks) expect(Number(l.split(' ')[1])).to.equal(76);
  });
});
