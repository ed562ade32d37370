import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Summary } from '@fets/estimator';
import { ROOT } from '../../helpers.js';
import { runBin } from './runBin.js';

const FIXTURE = 'test/estimator/cli/fixtures/dense.ts';

describe('cli: the fets bin end to end (spawned)', function () {
  this.timeout(120_000);
  let dir: string;
  let trainOut = '';
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fets-bin-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('train: params printed, fit + test run, best model and Summary JSON saved, exit 0', async () => {
    const r = await runBin([
      'train',
      FIXTURE,
      '--set',
      'epochs=3',
      '--set',
      `saveDir=${path.join(dir, 'save')}`,
      '--summary',
      'run-a',
      '--summary-dir',
      path.join(dir, 'sum'),
      '--test',
    ]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    trainOut = r.stdout;
    expect(r.stdout).to.include('fets: dense params (--set epochs=3, --set saveDir=');
    expect(r.stdout).to.match(/^FastEstimator-Eval: step: 12; epoch: 3; ce: [\d.]+; accuracy: [\d.]+;/m);
    expect(r.stdout).to.match(/^FastEstimator-Test: step: 12; epoch: 3; ce: [\d.]+; accuracy: [\d.]+;/m);
    expect(r.stdout).to.match(/fets: train finished in \d+\.\d s\n$/);
    expect(existsSync(path.join(dir, 'save', 'dense_best_accuracy.safetensors'))).to.equal(true);
    const s = Summary.fromJSON(JSON.parse(readFileSync(path.join(dir, 'sum', 'run-a.json'), 'utf8')));
    expect(s.name).to.equal('run-a');
    expect(s.series('eval', 'accuracy').map(([step]) => step)).to.deep.equal([4, 8, 12]);
    expect(s.series('test', 'accuracy')).to.have.length(1);
  });

  it('test --load: loads the best model and scores the test split as the trained model did', async () => {
    const r = await runBin(['test', FIXTURE, '--load', path.join(dir, 'save')]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include(`fets: loaded model "dense" from ${path.join(dir, 'save', 'dense_best_accuracy.safetensors')}`);
    // BestModelSaver restored the best weights before `train --test` scored the test split: the same numbers.
    const testLine = (text: string) => /^FastEstimator-Test: .*?(ce: [\d.]+; accuracy: [\d.]+;)/m.exec(text)?.[1];
    expect(testLine(r.stdout)).to.be.a('string');
    expect(testLine(r.stdout)).to.equal(testLine(trainOut));
    const none = await runBin(['test', FIXTURE, '--load', path.join(dir, 'nothing')]);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.include(`LoadWeightsError: --load ${path.join(dir, 'nothing')}: no such file or folder`);
  });

  it('logs / plot: compare saved runs side by side and draw them (.svg, .png)', async () => {
    const b = await runBin([
      'train',
      FIXTURE,
      '--set',
      'units=2',
      '--set',
      'epochs=3',
      '--summary',
      'run-b',
      '--summary-dir',
      path.join(dir, 'sum'),
    ]);
    expect(b.code).to.equal(0);
    const svg = path.join(dir, 'cmp.svg');
    const r = await runBin(['plot', path.join(dir, 'sum'), '--out', svg, '--modes', 'eval']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^mode +key +run-a +run-b$/m);
    expect(r.stdout).to.match(/^eval +accuracy +[\d.]+ @12 +[\d.]+ @12$/m);
    expect(r.stdout).not.to.match(/^train /m);
    expect(readFileSync(svg, 'utf8')).to.match(/^<svg[\s\S]*run-a eval[\s\S]*run-b eval[\s\S]*<\/svg>$/);
    const png = path.join(dir, 'cmp.png');
    const l = await runBin(['logs', path.join(dir, 'sum', 'run-a.json'), '--out', png, '--keys', 'ce']);
    expect(l.code).to.equal(0);
    expect(readFileSync(png).subarray(1, 4).toString()).to.equal('PNG');
  });

  it('npm run fets from a subfolder: paths are relative to where npm was called', async () => {
    const r = await runBin(['run', '-s', 'fets', '--', 'check', 'fixtures/dense.ts', '--set', 'samples=16'], {
      command: ['npm'],
      cwd: path.join(ROOT, 'test/estimator/cli'),
    });
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include('fets check: ok: dense: train, eval, test checked');
  });

  it('Ctrl+C (SIGINT to the process group) reaches the run once: the Estimator finishes the step and exits 130', async () => {
    let sent = false;
    const r = await runBin(['train', FIXTURE, '--set', 'epochs=100000'], {
      detached: true,
      onStdout: (all, pid) => {
        if (!sent && all.includes('FastEstimator-Train')) {
          sent = true;
          process.kill(-pid, 'SIGINT');
        }
      },
    });
    expect(sent).to.equal(true);
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stderr).to.include('FastEstimator: SIGINT: finishing the current step');
    expect(r.stderr).to.match(/FastEstimator: interrupted by SIGINT at step \d+ .*no RestoreWizard, so nothing was saved/);
    expect(r.stderr).not.to.include('second SIGINT');
  });

  it('SIGTERM to the bin is forwarded to the run; the bin ends with the same signal', async () => {
    let sent = false;
    const r = await runBin(['train', FIXTURE, '--set', 'epochs=100000'], {
      onStdout: (all, pid) => {
        if (!sent && all.includes('FastEstimator-Train')) {
          sent = true;
          process.kill(pid, 'SIGTERM');
        }
      },
    });
    expect(sent).to.equal(true);
    expect(r.signal).to.equal('SIGTERM');
    expect(r.stdout).not.to.include('fets: train finished');
  });
});
