import { FetsError } from '@fets/pipeline';

/** Exit status of a process ended by SIGINT (128 + 2), what shells report for Ctrl+C. */
export const INTERRUPT_EXIT_CODE = 130;

/**
 * `fit()` stopped on SIGINT. Thrown (instead of exiting) only when the application has its own SIGINT listeners;
 * carries where training stopped and the checkpoint written, if any.
 *
 * @example
 * // TrainingInterruptedError: Estimator.fit: interrupted by SIGINT at step 23 (epoch 3, train); checkpoint saved to runs/ckpt/epoch-0002-step-00000023; run again to resume
 */
export class TrainingInterruptedError extends FetsError {
  readonly exitCode = INTERRUPT_EXIT_CODE;
  constructor(
    readonly signal: NodeJS.Signals,
    readonly epoch: number,
    readonly step: number,
    readonly mode: string,
    readonly checkpoint: string | undefined,
    saved: string,
  ) {
    super(`Estimator.fit: interrupted by ${signal} at step ${step} (epoch ${epoch}, ${mode}); ${saved}`);
  }
}

/**
 * Watches SIGINT while `fit()` runs (installed at its start, removed at its end). The first SIGINT only sets
 * `requested`: the loop finishes the current step, saves a resumable checkpoint (with a RestoreWizard) and ends the
 * process with status 130. A second SIGINT ends the process at once (status 130); a checkpoint being written then is
 * left as a temporary folder that the next run removes, and the previous checkpoint stays whole.
 *
 * @example
 * const watch = new InterruptWatch(); watch.start(); try { ... if (watch.requested) break; ... } finally { watch.stop(); }
 */
export class InterruptWatch {
  /** Whether a SIGINT arrived since `start()`. */
  requested = false;
  private readonly handler = (): void => {
    if (this.requested) {
      this.write('FastEstimator: second SIGINT: exiting now');
      process.exit(INTERRUPT_EXIT_CODE);
    }
    this.requested = true;
    this.write('FastEstimator: SIGINT: finishing the current step, then saving a checkpoint (Ctrl+C again exits at once)');
  };

  constructor(private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {}

  /** Starts listening (idempotent). */
  start(): void {
    this.requested = false;
    process.off('SIGINT', this.handler);
    process.on('SIGINT', this.handler);
  }

  /** Stops listening. */
  stop(): void {
    process.off('SIGINT', this.handler);
  }

  /** Whether anything besides this watch listens for SIGINT (then the application decides how to end). */
  othersListen(): boolean {
    return process.listeners('SIGINT').some((l) => l !== this.handler);
  }
}
