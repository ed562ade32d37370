/**
 * Figure 2, data wait: the share of each training step the loop spends waiting for the Pipeline during a real NER
 * epoch (examples/ner-bert: MIT Movie, WordPiece + label alignment on the fly, bert-mini, AdamW, the recipe's traces),
 * with the training epoch capped at `steps` steps; the evaluation after it runs as usual. Measured by the Estimator
 * itself (`system.dataWaitMs`, logged as `data_wait(%)`); a trace here also keeps the per-step waits and step times.
 * Goal: ≤ 2%.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Estimator, Trace } from '@fets/estimator';
import { initBackend } from '@fets/network';
import { readNerConfig } from '../examples/ner-bert/config.js';
import { buildNer } from '../examples/ner-bert/recipe.js';
import { DATA, fmtMs, median, note, type FigureResult } from './common.js';

/** Per training step: the wait for its batch and the whole step (from the previous step's end). */
class StepClock extends Trace {
  waits: number[] = [];
  steps: number[] = [];
  private lastWait = 0;
  private lastEnd = 0;
  override onEpochBegin() {
    this.lastWait = 0;
    this.lastEnd = performance.now();
  }
  override onBatchEnd() {
    const now = performance.now();
    this.waits.push(this.system.dataWaitMs - this.lastWait);
    this.steps.push(now - this.lastEnd);
    this.lastWait = this.system.dataWaitMs;
    this.lastEnd = now;
  }
}

export async function run(options: { steps?: number; model?: string } = {}): Promise<FigureResult> {
  const steps = options.steps ?? 60;
  const model = options.model ?? 'mini';
  await initBackend({ quiet: true });
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'fets-bench-ner-'));
  try {
    const cfg = readNerConfig([
      '--model',
      model,
      '--epochs',
      '1',
      '--trainStepsPerEpoch',
      String(steps),
      '--dataDir',
      DATA,
      '--outDir',
      outDir,
      '--logSteps',
      '20',
    ]);
    const run = await buildNer(cfg);
    const clock = new StepClock({ mode: 'train' });
    // The recipe's Estimator with one more trace: same Pipeline, Network and traces.
    const estimator = new Estimator({ ...run.estimator.options, traces: [...run.estimator.traces, clock] });
    note(`datawait: one NER epoch (bert-${model}, MIT Movie, ${steps} training steps, then evaluation)`);
    const t0 = performance.now();
    const summary = await estimator.fit();
    const seconds = (performance.now() - t0) / 1000;
    const epochEnd = summary.series('train', 'epoch_time(sec)').at(-1)!;
    const share = summary.series('train', 'data_wait(%)').find(([s]) => s === epochEnd[0])![1];
    const waitMs = clock.waits.reduce((a, b) => a + b, 0);
    const stepMs = clock.steps.reduce((a, b) => a + b, 0);
    return {
      rows: [
        {
          figure: `data wait: NER epoch (bert-${model}, MIT Movie, ${steps} steps)`,
          fets: `${share.toFixed(2)}%`,
          reference: `${fmtMs(median(clock.waits))} of ${fmtMs(median(clock.steps))}/step`,
          ratio: '',
          goal: '≤ 2%',
          met: share <= 2 ? 'yes' : 'no',
        },
      ],
      data: {
        model,
        steps,
        dataWaitPercent: share,
        epochTimeSec: epochEnd[1],
        totalWaitMs: waitMs,
        totalStepMs: stepMs,
        medianWaitMs: median(clock.waits),
        medianStepMs: median(clock.steps),
        maxWaitMs: Math.max(...clock.waits),
        firstStepWaitMs: clock.waits[0],
        waitsMs: clock.waits,
        fitSeconds: seconds,
      },
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
