import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ROOT, shared } from '../helpers.js';

/** Runs `npm run ner` (the script itself) with `args`; `killWhen` SIGKILLs it when its output matches. */
function runNer(args: string[], killWhen?: RegExp): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=fets-source', '--import', 'tsx', path.join(ROOT, 'examples', 'ner-bert', 'train.ts'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, FETS_QUIET: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const take = (b: Buffer) => {
      output += b.toString();
      if (killWhen?.test(output) && child.exitCode === null) child.kill('SIGKILL');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

describe('examples/ner-bert: resumable', function () {
  this.timeout(600_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-ner-resume-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a run killed with SIGKILL after epoch 1 and resumed with --resume ends with the same metrics as an uninterrupted run; so does one resumed past a damaged checkpoint', async () => {
    const common = (out: string) => [
      '--model',
      'tiny',
      '--dataDir',
      shared('datasets'),
      '--vocab',
      shared('vocab', 'bert-base-uncased-vocab.txt'),
      '--epochs',
      '3',
      '--trainStepsPerEpoch',
      '40',
      '--batchSize',
      '16',
      '--evalFraction',
      '0.03',
      '--logSteps',
      '0',
      '--outDir',
      path.join(dir, out),
      '--predict',
      'tom hanks',
    ];
    const whole = await runNer(common('whole'));
    expect(whole.code, whole.output).to.equal(0);
    // Killed right after the epoch-2 checkpoint is complete (its restore line is the next run's proof).
    const killed = await runNer(common('killed'), /saved checkpoint epoch-0002 /);
    expect(killed.signal, killed.output.slice(-2000)).to.equal('SIGKILL');
    expect(existsSync(path.join(dir, 'killed', 'metrics.json'))).to.equal(false);
    const resumed = await runNer([...common('killed'), '--resume']);
    expect(resumed.code, resumed.output).to.equal(0);
    expect(resumed.output).to.match(/RestoreWizard: restored from .*epoch-0002: resuming after epoch 2, step 80/);
    const a = JSON.parse(readFileSync(path.join(dir, 'whole', 'metrics.json'), 'utf8'));
    const b = JSON.parse(readFileSync(path.join(dir, 'killed', 'metrics.json'), 'utf8'));
    for (const k of ['f1', 'precision', 'recall', 'perType', 'evalF1']) expect(b[k], k).to.deep.equal(a[k]);
    // The eval split's F1 after each of the 3 epochs (what settings are chosen on), the resumed run's included.
    expect(a.evalF1).to.have.length(3);
    // A model that finds entities: the comparison is not of two zeros.
    expect(a.f1).to.be.greaterThan(0.1);

    // 4,096 random bytes in the middle of the newest checkpoint's weights (the header still parses): --resume checks
    // the SHA-256 of every file, says so, resumes from epoch 2 and ends, again, with the uninterrupted run's metrics.
    const ckpts = path.join(dir, 'killed', 'checkpoints');
    expect(readdirSync(ckpts).sort()).to.deep.equal(['epoch-0002', 'epoch-0003', 'latest']);
    const weights = path.join(ckpts, 'epoch-0003', 'bert.safetensors');
    const bytes = readFileSync(weights);
    const start = Math.floor(bytes.length / 2);
    writeFileSync(weights, Buffer.concat([bytes.subarray(0, start), randomBytes(4096), bytes.subarray(start + 4096)]));
    const fellBack = await runNer([...common('killed'), '--resume']);
    expect(fellBack.code, fellBack.output).to.equal(0);
    expect(fellBack.output).to.include(
      `FastEstimator-RestoreWizard: checkpoint "epoch-0003" named by ${path.join(ckpts, 'latest')} is damaged ` +
        `(bert.safetensors: SHA-256 differs from the one manifest.json records); using ${path.join(ckpts, 'epoch-0002')}`,
    );
    expect(fellBack.output).to.match(/RestoreWizard: restored from .*epoch-0002: resuming after epoch 2, step 80/);
    const c = JSON.parse(readFileSync(path.join(dir, 'killed', 'metrics.json'), 'utf8'));
    for (const k of ['f1', 'precision', 'recall', 'perType', 'evalF1']) expect(c[k], k).to.deep.equal(a[k]);
  });
});
