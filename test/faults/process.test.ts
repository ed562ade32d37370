/**
 * Fault catalogue, the process: Ctrl+C (SIGINT) once and twice, and SIGKILL, during training in a child process
 * (fixtures/child.ts: a small dense model on a NumpyDataset with a RestoreWizard). The interrupted run exits with
 * status 130 after writing a resumable checkpoint; a killed run leaves its last complete checkpoint; either way a
 * second run resumes and finishes with the weights of an uninterrupted run.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Pipeline } from '@fets/pipeline';
import { CrossEntropy, ModelOp, Network, UpdateOp } from '@fets/network';
import { Estimator, Logger, RestoreWizard, Trace, TrainingInterruptedError } from '@fets/estimator';
import { errorOf } from '../helpers.js';
import { listDir, tinyData, tinyModel, tmpDir } from './fixtures/tiny.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'child.ts');

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  lastStep: number;
}

/**
 * Runs the child; when `at` is given, sends `signals` (one after another, `gapMs` apart) once it prints `STEP at`
 * (that step then lasts `slowMs` more).
 * Resolves with how it ended (never rejects on a non-zero exit: the tests assert it).
 */
function runChild(dir: string, out: string, at?: number, signals: NodeJS.Signals[] = [], gapMs = 5, slowMs = 0): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=fets-source', '--import', 'tsx', CHILD, dir, out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FETS_FAULTS_SLOW_AT: String(at ?? 0), FETS_FAULTS_SLOW_MS: String(slowMs) },
    });
    let stderr = '';
    let buf = '';
    let lastStep = 0;
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^STEP (\d+)$/.exec(l);
        if (!m) continue;
        lastStep = Number(m[1]);
        if (at !== undefined && lastStep === at && !sent) {
          sent = true;
          void (async () => {
            for (const [i, s] of signals.entries()) {
              if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
              child.kill(s);
            }
          })();
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, lastStep }));
  });
}

interface Result {
  weights: Record<string, number[]>;
  steps: number;
}
const read = (file: string): Result => JSON.parse(fs.readFileSync(file, 'utf8')) as Result;

function expectSameWeights(a: Result, b: Result, what: string): void {
  expect(b.steps, what).to.equal(a.steps);
  expect(Object.keys(b.weights)).to.deep.equal(Object.keys(a.weights));
  for (const k of Object.keys(a.weights)) {
    const diff = Math.max(...a.weights[k]!.map((v, i) => Math.abs(v - b.weights[k]![i]!)));
    expect(diff, `${what}: ${k}`).to.be.at.most(1e-6);
  }
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('faults/process: signals during training', function () {
  this.timeout(180_000);
  const root = tmpDir('process');
  let full: Result;

  before(async () => {
    const out = path.join(root, 'full.json');
    const r = await runChild(path.join(root, 'ckpt-full'), out);
    expect(r.code, r.stderr).to.equal(0);
    full = read(out);
    expect(full.steps).to.equal(45);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('P1 SIGINT mid-epoch: the step finishes, a mid-epoch checkpoint is written, exit 130; a second run resumes and ends like an uninterrupted one', async () => {
    const dir = path.join(root, 'p1');
    const out = path.join(root, 'p1.json');
    const r = await runChild(dir, out, 14, ['SIGINT']);
    expect([r.code, r.signal], r.stderr).to.deep.equal([130, null]);
    expect(fs.existsSync(out)).to.equal(false);
    const m = /FastEstimator: interrupted by SIGINT at step (\d+) \(epoch 2, train\); checkpoint saved to (\S+); run again to resume/.exec(
      r.stderr,
    );
    expect(m, r.stderr).to.not.equal(null);
    const step = Number(m![1]);
    expect(step).to.be.within(14, 17);
    const ckpt = `epoch-0001-step-${String(step).padStart(8, '0')}`;
    expect(m![2]).to.equal(path.join(dir, ckpt));
    expect(r.stderr).to.include('FastEstimator: SIGINT: finishing the current step, then saving a checkpoint (Ctrl+C again exits at once)');
    expect(listDir(dir)).to.deep.equal([ckpt, 'latest']);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, ckpt, 'manifest.json'), 'utf8')) as {
      epoch: number;
      globalStep: number;
      skipBatches: number;
    };
    expect(manifest).to.deep.include({ epoch: 1, globalStep: step, skipBatches: step - 9 });

    const again = await runChild(dir, out);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.include(
      `FastEstimator-RestoreWizard: restored from ${path.join(dir, ckpt)}: resuming after epoch 1, step ${step} (epoch 2 resumes after its first ${step - 9} batches)`,
    );
    expectSameWeights(full, read(out), `SIGINT at step ${step}`);
    expect(listDir(dir)).to.deep.equal(['epoch-0005', 'latest']);
  });

  it('P2 SIGINT twice: the second exits at once with 130; the last complete checkpoint is kept and the run resumes', async () => {
    const dir = path.join(root, 'p2');
    const out = path.join(root, 'p2.json');
    // Step 12 takes 800 ms: both signals arrive while it is still running.
    const r = await runChild(dir, out, 12, ['SIGINT', 'SIGINT'], 60, 800);
    expect([r.code, r.signal], r.stderr).to.deep.equal([130, null]);
    expect(r.stderr).to.include('FastEstimator: SIGINT: finishing the current step');
    expect(r.stderr).to.include('FastEstimator: second SIGINT: exiting now');
    expect(r.stderr).to.not.include('checkpoint saved to');
    expect(listDir(dir).filter((f) => !f.includes('.tmp-'))).to.deep.equal(['epoch-0001', 'latest']);
    const again = await runChild(dir, out);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.match(new RegExp(`restored from ${esc(path.join(dir, 'epoch-0001'))}: resuming after epoch 1, step 9\\n`));
    expectSameWeights(full, read(out), 'two SIGINTs');
    expect(listDir(dir)).to.deep.equal(['epoch-0005', 'latest']);
  });

  it('P3 SIGKILL mid-epoch (and a half-written checkpoint folder left behind): the last complete checkpoint loads, the stale folder is removed, the run resumes', async () => {
    const dir = path.join(root, 'p3');
    const out = path.join(root, 'p3.json');
    const r = await runChild(dir, out, 23, ['SIGKILL']);
    expect(r.signal).to.equal('SIGKILL');
    expect(fs.existsSync(out)).to.equal(false);
    expect(listDir(dir).filter((f) => !f.includes('.tmp-'))).to.deep.equal(['epoch-0002', 'latest']);
    // What a kill during the epoch-3 save leaves: a temporary folder with a partial file, named after the dead process.
    const stale = path.join(dir, `.epoch-0003.tmp-${99_999_999}`);
    fs.mkdirSync(stale, { recursive: true });
    fs.writeFileSync(path.join(stale, 'm.safetensors'), Buffer.alloc(100));
    const again = await runChild(dir, out);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.include(`FastEstimator-RestoreWizard: removed ${stale}, an unfinished checkpoint of an interrupted save`);
    expect(again.stderr).to.include(`restored from ${path.join(dir, 'epoch-0002')}: resuming after epoch 2, step 18`);
    expectSameWeights(full, read(out), 'SIGKILL at step 23');
    expect(listDir(dir)).to.deep.equal(['epoch-0005', 'latest']);
  });

  it('P4 SIGINT when the application listens for SIGINT itself: fit() rejects with TrainingInterruptedError after the checkpoint; the handler is gone after fit', async () => {
    await tf.setBackend('cpu');
    const dir = path.join(root, 'p4');
    const appListener = (): void => {};
    process.on('SIGINT', appListener);
    const listeners = process.listenerCount('SIGINT');
    let during = 0;
    /** Ctrl+C arrives during step 8 (epoch 2, batch 2 of 6). */
    class CtrlC extends Trace {
      override onBatchEnd(): void {
        during = Math.max(during, process.listenerCount('SIGINT'));
        if (this.system.globalStep === 8) process.emit('SIGINT', 'SIGINT');
      }
    }
    const model = tinyModel();
    const estimator = new Estimator({
      pipeline: new Pipeline({ trainData: tinyData(48), batchSize: 8 }),
      network: new Network([
        new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
        new UpdateOp({ model, lossName: 'ce' }),
      ]),
      epochs: 3,
      traces: [new CtrlC({ mode: 'train' }), new RestoreWizard({ directory: dir, keep: 1 }), new Logger({ write: () => {} })],
    });
    let e: TrainingInterruptedError;
    const realWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      e = (await errorOf(estimator.fit())) as TrainingInterruptedError;
    } finally {
      process.stderr.write = realWrite;
      process.off('SIGINT', appListener);
    }
    expect(e).to.be.instanceOf(TrainingInterruptedError);
    const ckpt = path.join(dir, 'epoch-0001-step-00000008');
    expect(e.message).to.equal(
      `Estimator.fit: interrupted by SIGINT at step 8 (epoch 2, train); checkpoint saved to ${ckpt}; run again to resume`,
    );
    expect([e.signal, e.epoch, e.step, e.checkpoint, e.exitCode]).to.deep.equal(['SIGINT', 2, 8, ckpt, 130]);
    expect(during).to.equal(listeners + 1);
    expect(process.listenerCount('SIGINT')).to.equal(listeners - 1);
    expect(listDir(dir)).to.deep.equal(['epoch-0001-step-00000008', 'latest']);
  });
});
