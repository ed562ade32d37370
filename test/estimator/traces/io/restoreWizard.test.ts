import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'restoreChild.ts');

/** Runs the child; if `killAtStep` is given, SIGKILLs it when it prints that step. Resolves with the exit signal. */
function runChild(dir: string, out: string, killAtStep?: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=fets-source', '--import', 'tsx', CHILD, dir, out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (killAtStep !== undefined && l === `STEP ${killAtStep}`) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve(signal);
      else reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
}

describe('estimator/traces/io RestoreWizard', function () {
  this.timeout(180_000);

  it('a run SIGKILLed at a random step and resumed ends with the weights of an uninterrupted run', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fets-restore-'));
    const full = path.join(tmp, 'full.json');
    await runChild(path.join(tmp, 'ckpt-full'), full);
    // 9 steps per epoch × 6 epochs; kill somewhere in epochs 2..5 (after at least one checkpoint exists).
    const killAt = 10 + Math.floor(Math.random() * 30);
    const resumed = path.join(tmp, 'resumed.json');
    const signal = await runChild(path.join(tmp, 'ckpt'), resumed, killAt);
    expect(signal).to.equal('SIGKILL');
    expect(existsSync(resumed)).to.equal(false);
    const left = readdirSync(path.join(tmp, 'ckpt'));
    expect(left.filter((f) => f.includes('.tmp-')).length, `no half-written checkpoint promoted: ${left}`).to.be.at.most(1);
    await runChild(path.join(tmp, 'ckpt'), resumed);
    const a = JSON.parse(readFileSync(full, 'utf8')) as { weights: Record<string, number[]>; evalLoss: [number, number][]; steps: number };
    const b = JSON.parse(readFileSync(resumed, 'utf8')) as typeof a;
    expect(b.steps).to.equal(a.steps);
    expect(Object.keys(b.weights)).to.deep.equal(Object.keys(a.weights));
    for (const k of Object.keys(a.weights)) {
      const wa = a.weights[k]!;
      const wb = b.weights[k]!;
      const maxDiff = Math.max(...wa.map((v, i) => Math.abs(v - wb[i]!)));
      expect(maxDiff, `${k} (killed at step ${killAt})`).to.be.at.most(1e-6);
    }
    // The same eval steps and losses (to float32 rounding: tfjs Adam recomputes beta^t with pow() on restore).
    expect(b.evalLoss.map(([s]) => s)).to.deep.equal(a.evalLoss.map(([s]) => s));
    b.evalLoss.forEach(([, v], i) => expect(v).to.be.closeTo(a.evalLoss[i]![1], 1e-5));
  });
});
