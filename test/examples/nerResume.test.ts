import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-ner-resume-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a run killed with SIGKILL after epoch 1 and resumed with --resume ends with the same metrics as an uninterrupted run', async () => {
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
    for (const k of ['f1', 'precision', 'recall', 'perType']) expect(b[k], k).to.deep.equal(a[k]);
    // A model that finds entities: the comparison is not of two zeros.
    expect(a.f1).to.be.greaterThan(0.1);
  });
});
