import type { NDArray } from '@fets/pipeline';
import type { World } from '@fets/network';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';

/** A scalar from a fetched value (number, 0-d/1-element NDArray). */
export function scalarOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'data' in v && 'shape' in v) {
    const a = v as NDArray;
    if (a.size === 1) return Number(a.data[0]);
    if (a.dtype !== 'string' && a.size > 0) {
      let s = 0;
      for (let i = 0; i < a.size; i++) s += Number(a.data[i]);
      return s / a.size;
    }
  }
  return undefined;
}

/** `waitMs` as a percentage of `totalMs`, 2 decimals (0 when no time passed). */
function waitShare(waitMs: number, totalMs: number): number {
  return totalMs > 0 ? Number(((100 * Math.min(waitMs, totalMs)) / totalMs).toFixed(2)) : 0;
}

/**
 * Always added by the Estimator in training (FastEstimator's TrainEssential): logs the monitored keys (losses) at log
 * steps, `steps/sec` between log steps, `epoch_time(sec)` per epoch and `total_time(sec)` at the end, plus each
 * model's learning rate through `lrFn`. `data_wait(%)` (at log steps: since the previous one; at the epoch end: the
 * epoch's) is the share of the loop's time spent waiting for the Pipeline's next batch (`system.dataWaitMs`).
 */
export class TrainEssential extends Trace {
  override readonly order = 'essential';
  private tStep = 0;
  private stepsSince = 0;
  private tEpoch = 0;
  private tBegin = 0;
  private waitAtStep = 0;

  constructor(
    readonly monitorNames: readonly string[],
    private readonly lrs: () => [string, number][],
  ) {
    super({ inputs: [...monitorNames], mode: 'train', outputs: ['steps/sec', 'data_wait(%)', 'epoch_time(sec)', 'total_time(sec)'] });
  }

  override onBegin(): void {
    this.tBegin = performance.now();
  }

  override onEpochBegin(): void {
    this.tEpoch = performance.now();
    this.tStep = this.tEpoch;
    this.stepsSince = 0;
    this.waitAtStep = 0;
  }

  override onBatchEnd(data: Data): void {
    this.stepsSince++;
    if (!this.system.shouldLog()) return;
    // Data-parallel: the logged value is the mean over the ranks (every rank logs at the same steps).
    const world = this.system.world;
    const local = this.monitorNames.map((k) => scalarOf(data.get(k)));
    const sums = world.size > 1 ? world.sum(local.flatMap((v) => (v === undefined ? [0, 0] : [v, 1]))) : [];
    this.monitorNames.forEach((k, i) => {
      const v = world.size > 1 ? (sums[2 * i + 1]! > 0 ? sums[2 * i]! / sums[2 * i + 1]! : undefined) : local[i];
      if (v !== undefined) data.writeWithLog(k, v);
    });
    const now = performance.now();
    if (this.system.globalStep > 1 && this.stepsSince > 0) {
      data.writeWithLog('steps/sec', Number(((1000 * this.stepsSince) / (now - this.tStep)).toFixed(2)));
      data.writeWithLog('data_wait(%)', waitShare(this.system.dataWaitMs - this.waitAtStep, now - this.tStep));
    }
    for (const [name, lr] of this.lrs()) data.writeWithLog(`${name}_lr`, lr);
    this.tStep = now;
    this.stepsSince = 0;
    this.waitAtStep = this.system.dataWaitMs;
  }

  override onEpochEnd(data: Data): void {
    const ms = performance.now() - this.tEpoch;
    data.writeWithLog('epoch_time(sec)', Number((ms / 1000).toFixed(2)));
    data.writeWithLog('data_wait(%)', waitShare(this.system.dataWaitMs, ms));
  }

  override onEnd(data: Data): void {
    data.writeWithLog('total_time(sec)', Number(((performance.now() - this.tBegin) / 1000).toFixed(2)));
    for (const [name, lr] of this.lrs()) data.writeWithLog(`${name}_lr`, lr);
  }
}

/**
 * Always added by the Estimator for eval/test (FastEstimator's EvalEssential): averages each monitored key (losses)
 * over the epoch's batches, weighted by batch size, and logs the averages at the epoch end.
 */
export class EvalEssential extends Trace {
  override readonly order = 'essential';
  private sums = new Map<string, { sum: number; n: number }>();

  constructor(readonly monitorNames: readonly string[]) {
    super({ inputs: [...monitorNames], mode: ['eval', 'test'], outputs: [...monitorNames] });
  }

  override onEpochBegin(): void {
    this.sums = new Map();
  }

  override onBatchEnd(data: Data): void {
    for (const k of this.monitorNames) {
      const v = scalarOf(data.get(k));
      if (v === undefined) continue;
      const e = this.sums.get(k) ?? { sum: 0, n: 0 };
      e.sum += v;
      e.n += 1;
      this.sums.set(k, e);
    }
  }

  /** Data-parallel: each monitored value's sum and count over every rank (see RankReducible). */
  reduceAcrossRanks(world: World): void {
    const keys = [...this.monitorNames];
    const flat = world.sum(keys.flatMap((k) => [this.sums.get(k)?.sum ?? 0, this.sums.get(k)?.n ?? 0]));
    this.sums = new Map(keys.flatMap((k, i) => (flat[2 * i + 1]! > 0 ? [[k, { sum: flat[2 * i]!, n: flat[2 * i + 1]! }]] : [])));
  }

  override onEpochEnd(data: Data): void {
    for (const [k, { sum, n }] of this.sums) if (n > 0) data.writeWithLog(k, sum / n);
  }
}
