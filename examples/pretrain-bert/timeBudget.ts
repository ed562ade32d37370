import * as fe from '@fets/estimator';

/**
 * Stops training cleanly once a wall-clock budget is spent (`system.stopTraining` after the current step; the
 * evaluation, checkpoint and final save still run). It keeps room for one evaluation: after an eval epoch has been
 * timed, training stops when `elapsed + that eval time` reaches the budget. Its elapsed time is saved with
 * RestoreWizard checkpoints, so a resumed run spends only what is left. `fraction()` is what the learning-rate
 * schedule follows.
 *
 * @example
 * const budget = new TimeBudget(30);
 * new fe.Estimator({ pipeline, network, epochs: 100, traces: [budget, ...] });
 */
export class TimeBudget extends fe.trace.Trace implements fe.StatefulTrace {
  readonly budgetMs: number;
  /** Time spent in earlier (restored) runs. */
  private carriedMs = 0;
  private startedAt: number | undefined;
  private evalStartedAt = 0;
  /** Duration of the last eval epoch (reserved at the end of the budget). */
  private reserveMs = 0;
  /** Step at which the budget stopped training, if it did. */
  stoppedAt: number | undefined;

  constructor(
    readonly minutes: number,
    private readonly write: (line: string) => void = (l) => console.log(l),
  ) {
    super({ mode: ['train', 'eval'] });
    this.budgetMs = minutes * 60_000;
  }

  /** Milliseconds spent so far (this run plus restored ones). */
  elapsedMs(): number {
    return this.carriedMs + (this.startedAt === undefined ? 0 : performance.now() - this.startedAt);
  }

  /** Share of the budget spent, in [0, 1]. */
  fraction(): number {
    return Math.min(1, this.elapsedMs() / this.budgetMs);
  }

  override onBegin(): void {
    this.startedAt = performance.now();
    this.stoppedAt = undefined;
  }

  override onEpochBegin(): void {
    if (this.system.mode === 'eval') this.evalStartedAt = performance.now();
  }

  override onEpochEnd(): void {
    if (this.system.mode === 'eval') this.reserveMs = performance.now() - this.evalStartedAt;
  }

  override onBatchEnd(): void {
    const s = this.system;
    if (s.mode !== 'train' || s.stopTraining) return;
    if (this.elapsedMs() + this.reserveMs >= this.budgetMs) {
      s.stopTraining = true;
      this.stoppedAt = s.globalStep;
      this.write(
        `pretrain-bert: time budget of ${this.minutes} min reached at step ${s.globalStep} ` +
          `(${(this.elapsedMs() / 60_000).toFixed(2)} min spent, ${(this.reserveMs / 1000).toFixed(0)} s kept for the last evaluation)`,
      );
    }
  }

  getState(): unknown {
    return { elapsedMs: this.elapsedMs(), reserveMs: this.reserveMs };
  }

  setState(state: unknown): void {
    const s = state as { elapsedMs?: number; reserveMs?: number };
    this.carriedMs = s.elapsedMs ?? 0;
    this.reserveMs = s.reserveMs ?? 0;
  }
}
