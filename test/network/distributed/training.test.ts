import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RANKS, ROOT, requireMpi, runRanks, type JobResult } from './mpirun.js';

/** Runs trainTiny.ts in one process (no mpirun: a world of one). */
function runAlone(args: string[]): Promise<JobResult> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--conditions=fets-source', '--import', 'tsx', path.join(RANKS, 'trainTiny.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, FETS_QUIET: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 })),
  );
}

const readJson = (dir: string, f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));

describe('distributed: data-parallel training (tiny BERT, 2 ranks under mpirun)', function () {
  this.timeout(240_000);
  let tmp: string;
  before(function () {
    requireMpi(this);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-mpi-'));
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  it('2 ranks × batch 16 equal 1 process × batch 32 after 20 AdamW steps (1e-5 relative); eval covers every sample once', async () => {
    const [one, two] = await Promise.all([
      runAlone(['--batch', '32', '--steps', '20', '--out', path.join(tmp, 'one')]),
      runRanks('trainTiny.ts', 2, { args: ['--batch', '16', '--steps', '20', '--out', path.join(tmp, 'two')] }),
    ]);
    expect(one.code, one.stderr).to.equal(0);
    expect(two.code, two.stderr).to.equal(0);
    const a = readJson(path.join(tmp, 'one'), 'weights.json') as Record<string, number[]>;
    const b = readJson(path.join(tmp, 'two'), 'weights.json') as Record<string, number[]>;
    expect(Object.keys(b)).to.deep.equal(Object.keys(a));
    for (const [name, x] of Object.entries(a)) {
      const y = b[name]!;
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < x.length; i++) {
        diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
        scale = Math.max(scale, Math.abs(x[i]!));
      }
      if (/attention\.self\.key\.bias$/.test(name)) {
        // Softmax ignores a bias added to every key: its true gradient is 0, its values (~1e-7) are rounding noise.
        expect(Math.max(scale, ...y.map(Math.abs)), name).to.be.below(1e-5);
      } else {
        expect(diff / scale, `${name}: max |Δ| ${diff} of max |w| ${scale}`).to.be.at.most(1e-5);
      }
    }
    const r1 = readJson(path.join(tmp, 'one'), 'result.json');
    const r2 = readJson(path.join(tmp, 'two'), 'result.json');
    expect(r2.size).to.equal(2);
    expect(r2.steps).to.equal(20);
    // Eval: 101 samples, uneven shards (51 + 50), each sample once, accuracy reduced over both ranks.
    expect([r1.samples, r1.idSum]).to.deep.equal([101, 5050]);
    expect([r2.samples, r2.idSum]).to.deep.equal([101, 5050]);
    expect(r2.accuracy).to.equal(r1.accuracy);
    // One backend line and one global-batch line for the job, from rank 0.
    expect(two.stderr.match(/global batch 32 = 16 per rank × 1 \(mergeGrad\) × 2 ranks/g)).to.have.length(1);
  });
});
