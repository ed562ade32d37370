import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireMpi, runRanks } from './mpirun.js';

const readJson = (dir: string, f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));

describe('distributed: faults under mpirun -np 2 (tiny BERT)', function () {
  this.timeout(300_000);
  let tmp: string;
  before(function () {
    requireMpi(this);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-mpi-faults-'));
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  it('a rank killed with kill -9 ends the job non-zero within seconds (the other, waiting in a collective, does not hang); --resume continues from the intact checkpoint, also with another world size', async () => {
    const restore = path.join(tmp, 'restore');
    const pids = new Map<number, number>();
    let killedAt = 0;
    const args = ['--batch', '16', '--steps', '10', '--restore', restore, '--stepSleepMs', '150'];
    const job = runRanks('trainTiny.ts', 2, {
      args: [...args, '--epochs', '200'],
      timeoutMs: 200_000,
      onLine: (l) => {
        const m = /^pid (\d+) (\d+)$/.exec(l);
        if (m) pids.set(Number(m[1]), Number(m[2]));
      },
    });
    // Wait for the first checkpoint, then kill rank 1 in the middle of a later epoch.
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline && !(fs.existsSync(restore) && fs.readdirSync(restore).some((f) => f.startsWith('epoch-0001')))) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 700));
    expect(pids.get(1), 'rank 1 printed its pid').to.be.a('number');
    process.kill(pids.get(1)!, 'SIGKILL');
    killedAt = performance.now();
    const r = await job;
    const seconds = (performance.now() - killedAt) / 1000;
    expect(r.code, r.stderr).to.not.equal(0);
    expect(r.stderr).to.not.match(/killed mpirun after/);
    expect(seconds, 'seconds from kill -9 to the end of the job').to.be.below(15);
    // The same mpirun line resumes from the last checkpoint and finishes (3 epochs in all).
    const out2 = path.join(tmp, 'resumed2');
    const again = await runRanks('trainTiny.ts', 2, {
      args: [...args, '--epochs', '3', '--stepSleepMs', '0', '--out', out2],
      timeoutMs: 120_000,
    });
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.match(/restored from .*resuming after epoch [1-9]/);
    // A checkpoint taken at an epoch's end resumes under another world size too (here one rank).
    const out1 = path.join(tmp, 'resumed1');
    const alone = await runRanks('trainTiny.ts', 1, {
      args: [...args, '--epochs', '4', '--stepSleepMs', '0', '--out', out1],
      timeoutMs: 120_000,
    });
    expect(alone.code, alone.stderr).to.equal(0);
    expect(readJson(out1, 'result.json').steps).to.equal(40);
  });

  it('a bad sample read by one rank stops every rank, its error (file:line) printed once', async () => {
    const r = await runRanks('trainTiny.ts', 2, { args: ['--batch', '16', '--steps', '10', '--badSample', '77'], timeoutMs: 120_000 });
    expect(r.code).to.not.equal(0);
    const all = `${r.stdout}\n${r.stderr}`;
    expect(all.match(/sample 77 is bad \(train\.tsv:78\)/g), all).to.have.length(1);
  });
});
