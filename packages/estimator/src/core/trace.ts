import type { z } from 'zod';
import { Op, type OpOptions } from '@fets/pipeline';
import type { Data } from './data.js';
import type { System } from './system.js';
import type { TraceOrder } from './traceOrder.js';

/** Options every trace takes (FastEstimator's Trace): keys read and written, modes and data sets it runs for. */
export type TraceOptions = OpOptions;

/**
 * Base of every trace: code that runs at points of the training loop. Override the hooks you need; read batch keys
 * listed in `inputs` in `onBatchEnd` (`data.get(key)`: tensors come as `NDArray`), write results with
 * `data.writeWithLog`. `this.system` holds the loop state. Traces run in an order that satisfies their inputs/outputs.
 *
 * @example
 * class CountSamples extends Trace {
 *   n = 0;
 *   onEpochBegin() { this.n = 0; }
 *   onBatchEnd(data: Data) { this.n += (data.get<NDArray>('x')!).shape[0]!; }
 *   onEpochEnd(data: Data) { data.writeWithLog('samples', this.n); }
 * }
 * new CountSamples({ inputs: 'x', outputs: 'samples', mode: 'eval' });
 */
export abstract class Trace<O extends TraceOptions = TraceOptions> extends Op<z.ZodType<object, OpOptions>, O> {
  /** The loop state; set by the Estimator before `onBegin`. */
  system!: System;
  /** Where the loop places the trace (see `TRACE_ORDER`): the user's traces are `'metric'`. */
  readonly order: TraceOrder = 'metric';
  /** While this trace runs, an update whose loss is not finite is skipped rather than thrown (TerminateOnNaN). */
  readonly skipsNonFinite: boolean = false;
  /** Data-parallel: this trace only writes (logs, event files), so it runs on rank 0 alone. */
  readonly chiefOnly: boolean = false;

  constructor(options: O = {} as O) {
    super(options);
  }

  /** Once, before the first epoch (fit) or before the test epoch (test). */
  onBegin(_data: Data): void | Promise<void> {}
  /** At the start of each epoch of each mode the trace runs in. */
  onEpochBegin(_data: Data): void | Promise<void> {}
  /** Before each batch goes through the Network. */
  onBatchBegin(_data: Data): void | Promise<void> {}
  /** After each batch went through the Network: `data` holds the batch and the Network's outputs. */
  onBatchEnd(_data: Data): void | Promise<void> {}
  /** At the end of each epoch. */
  onEpochEnd(_data: Data): void | Promise<void> {}
  /** Once, after the last epoch (also after an early stop). */
  onEnd(_data: Data): void | Promise<void> {}

  /** The number of steps of the epoch about to begin (undefined: not known), for progress display. */
  setEpochSteps(_steps: number | undefined): void {}

  /** Keys the trace needs from the Network/Pipeline per batch (default: its inputs). */
  batchInputs(): readonly string[] {
    return this.inputs;
  }
}

/** A hook name. */
export type TraceHook = 'onBegin' | 'onEpochBegin' | 'onBatchBegin' | 'onBatchEnd' | 'onEpochEnd' | 'onEnd';
