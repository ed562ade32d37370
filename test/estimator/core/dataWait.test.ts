import { expect } from 'chai';
import { Dataset, Pipeline } from '@fets/pipeline';
import { Estimator, Trace, type Data } from '@fets/estimator';
import { memoryLogger, Range, ScriptedNetwork } from '../traces/fakes.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Samples {x: i}, each taking `ms` of this thread to produce. */
class SlowRange extends Dataset {
  constructor(
    readonly n: number,
    readonly ms: number,
  ) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number) {
    busy(this.ms);
    return { x: i };
  }
}

/** Records system.dataWaitMs at every batch end and epoch end, and the epoch's wall time. */
class WaitRecorder extends Trace {
  perBatch: number[][] = [];
  epochs: { waitMs: number; wallMs: number }[] = [];
  private t0 = 0;
  override onEpochBegin() {
    this.perBatch.push([]);
    this.t0 = performance.now();
  }
  override onBatchEnd() {
    this.perBatch[this.perBatch.length - 1]!.push(this.system.dataWaitMs);
  }
  override onEpochEnd() {
    this.epochs.push({ waitMs: this.system.dataWaitMs, wallMs: performance.now() - this.t0 });
  }
}

async function run(data: Dataset, stepMs: number, epochs = 2) {
  const rec = new WaitRecorder({ mode: 'train' });
  const lines: string[] = [];
  const network = new ScriptedNetwork({ onTrainStep: () => busy(stepMs) });
  const est = new Estimator({
    pipeline: new Pipeline({ trainData: data, batchSize: 4, shuffle: false }),
    network,
    epochs,
    logSteps: 2,
    traces: [rec, memoryLogger(lines)],
  });
  const summary = await est.fit({ warmup: false });
  return { rec, lines, summary };
}

describe('Estimator data-wait accounting', () => {
  it('system.dataWaitMs grows through an epoch, restarts each epoch and never exceeds the epoch time', async () => {
    const { rec } = await run(new Range(24), 1);
    expect(rec.perBatch).to.have.length(2);
    for (const [e, waits] of rec.perBatch.entries()) {
      expect(waits).to.have.length(6);
      for (let i = 1; i < waits.length; i++) expect(waits[i]).to.be.at.least(waits[i - 1]!);
      expect(waits[0]).to.be.at.least(0);
      expect(rec.epochs[e]!.waitMs).to.be.at.least(waits[waits.length - 1]!);
      expect(rec.epochs[e]!.waitMs).to.be.at.most(rec.epochs[e]!.wallMs);
    }
  });

  it('logs data_wait(%) at log steps and epoch ends: high when the data is slow, low when the step is slow', async () => {
    const slowData = await run(new SlowRange(24, 3), 0);
    const slowStep = await run(new Range(24), 15);
    for (const r of [slowData, slowStep]) {
      const series = r.summary.series('train', 'data_wait(%)');
      expect(series.length).to.be.at.least(2);
      for (const [, v] of series) expect(v).to.be.within(0, 100);
      expect(
        r.lines.some((l) => /^FastEstimator-Train: step: \d+; epoch: \d+; epoch_time\(sec\): [\d.]+; data_wait\(%\): [\d.]+;/.test(l)),
      ).to.equal(true);
      expect(r.lines.some((l) => /steps\/sec: [\d.]+; data_wait\(%\): [\d.]+;/.test(l))).to.equal(true);
    }
    // 4 samples × 3 ms per batch against a step of ~0 ms: the loop mostly waits; the reverse with a 15 ms step.
    const epochShare = (r: typeof slowData) => r.summary.series('train', 'data_wait(%)').at(-1)![1];
    expect(epochShare(slowData)).to.be.above(50);
    expect(epochShare(slowStep)).to.be.below(25);
  });

  it('eval epochs count their own wait', async () => {
    const seen: number[] = [];
    class EvalWait extends Trace {
      override onEpochEnd(_d: Data) {
        seen.push(this.system.dataWaitMs);
      }
    }
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(8), evalData: new SlowRange(8, 2), batchSize: 4 }),
      network: new ScriptedNetwork(),
      epochs: 1,
      traces: [new EvalWait({ mode: 'eval' }), memoryLogger()],
    });
    await est.fit({ warmup: false });
    expect(seen).to.have.length(1);
    // 8 samples × 2 ms produced on this thread while the loop waits.
    expect(seen[0]).to.be.at.least(10);
  });
});
