import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, requireMpi, runRanks } from '../../network/distributed/mpirun.js';

describe('say / writeResult: a script run by mpirun -np 2 reports once', function () {
  this.timeout(240_000);
  let tmp: string;
  before(function () {
    requireMpi(this);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-script-output-'));
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  it('npm run mnist under two ranks prints each report line once and writes one complete metrics.json', async () => {
    const out = path.join(tmp, 'mnist');
    const r = await runRanks(path.join(ROOT, 'examples', 'mnist', 'train.ts'), 2, {
      args: ['--epochs', '1', '--trainStepsPerEpoch', '3', '--outDir', out],
    });
    expect(r.code, r.stderr).to.equal(0);
    const count = (re: RegExp) => r.stdout.split('\n').filter((l) => re.test(l)).length;
    expect(count(/^mnist: \{/), 'the settings line').to.equal(1);
    expect(count(/^mnist: test accuracy /), 'the result line').to.equal(1);
    expect(count(/^mnist: test image 0 /), 'the inference line').to.equal(1);
    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.accuracy).to.be.within(0, 1);
    expect(metrics.epochs).to.equal(1);
    // The accuracy printed is the whole test split's, reduced over the ranks, and the file holds the same figure.
    const printed = Number(/test accuracy ([\d.]+) on (\d+)/.exec(r.stdout)![1]);
    expect(metrics.accuracy.toFixed(4)).to.equal(printed.toFixed(4));
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp'))).to.deep.equal([]);
  });
});
