import { Dataset, NDArray, type DataDict, type Mode } from '@fets/pipeline';
import { Logger, type NetworkLike } from '@fets/estimator';
import type { StepStateInput } from '@fets/network';

/** Samples {x: i} for i < n. */
export class Range extends Dataset {
  constructor(readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number) {
    return { x: i };
  }
}

/**
 * A Network stand-in whose loss follows a script: `trainLoss(globalStep)` in training, `evalLoss(epoch)` in eval, and
 * an optional `onTrainStep(globalStep, epoch)` side effect (e.g. changing a model's weights).
 */
export class ScriptedNetwork implements NetworkLike {
  trainSteps = 0;
  constructor(
    readonly script: {
      trainLoss?: (step: number) => number;
      evalLoss?: (epoch: number) => number;
      onTrainStep?: (step: number, epoch: number) => void;
      lrs?: () => [string, number][];
    } = {},
  ) {}
  requiredKeys() {
    return ['x'];
  }
  producedKeys() {
    return ['pred', 'loss'];
  }
  checkGraph() {}
  lossKeys() {
    return ['loss'];
  }
  runStep(batch: DataDict, state: StepStateInput, fetch: readonly string[]): DataDict {
    let loss: number;
    if (state.mode === 'train' && !state.warmup) {
      this.trainSteps++;
      this.script.onTrainStep?.(this.trainSteps, state.epoch ?? 0);
      loss = this.script.trainLoss?.(this.trainSteps) ?? 1;
    } else loss = state.mode === 'train' ? 1 : (this.script.evalLoss?.(state.epoch ?? 0) ?? 1);
    const x = batch.x as NDArray;
    const out: DataDict = { pred: new NDArray(Float32Array.from(x.data as Int32Array), x.shape, 'float32'), loss };
    return Object.fromEntries(fetch.filter((k) => k in out).map((k) => [k, out[k]]));
  }
  learningRates(): [string, number][] {
    return this.script.lrs?.() ?? [];
  }
}

/** A Logger that keeps its lines. */
export function memoryLogger(lines: string[] = []): Logger {
  return new Logger({ write: (l) => lines.push(l) });
}

/** Modes in a run, for readability in tests. */
export type { Mode };
