import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { KernelTimer, formatStepProfile, type StepProfile } from '@fets/network/kernels';
import { lineWriterSchema, resolveWriter, type LineWriter } from './lineWriter.js';
import type { QuietSig } from '../../core/traceKeys.js';

const schema = z.strictObject({
  /** Training steps (global, 1-based) to profile; default step 5 (after the first steps' one-time set-up). */
  steps: z.union([z.number().int().min(1), z.array(z.number().int().min(1)).min(1)]).default(5),
  /** Kernels listed before the rest is summed. */
  top: z.number().int().min(1).default(15),
  /** Group by kernel name and input shapes instead of by name. */
  byShape: z.boolean().default(false),
  /** Where the table goes (default: standard output). */
  write: lineWriterSchema,
});

/** Options of {@link Profiler}. */
export type ProfilerOptions = z.input<typeof schema>;

/**
 * Shows where a training step's time goes: for the chosen steps, times every tfjs kernel from `onBatchBegin` to
 * `onBatchEnd` (the Network step: forward, gradients, optimizer update, reading the fetched outputs) and prints a
 * table of kernels with their calls, total milliseconds and share of the step, plus the time outside kernels (tfjs
 * engine and tape, JS). Timing uses tfjs's profiling mode (see @fets/network/kernels profile.ts); it adds a little time per kernel, so
 * profile a step or two, not a whole run. The profiles are kept in `profiles`.
 *
 * @example
 * new Estimator({ pipeline, network, epochs: 1, traces: [new Profiler({ steps: [10], top: 10 })] });
 * // FastEstimator-Profiler: step: 10; wall 2,310.5 ms; kernels 2,150.2 ms (93.1%); 1,402 kernel calls
 * // kernel        calls   total ms   share
 * // BatchMatMul     136    1,052.3   45.5%   …
 */
export class Profiler extends Trace {
  declare readonly '~sig': QuietSig;
  /** Each profiled step and its kernel times. */
  readonly profiles: { step: number; profile: StepProfile }[] = [];
  private readonly steps: Set<number>;
  private readonly top: number;
  private readonly write: LineWriter;
  private readonly timer: KernelTimer;

  constructor(options: ProfilerOptions = {}) {
    const o = parseOptions(new.target.name, schema, options);
    super({ mode: 'train' });
    this.steps = new Set(typeof o.steps === 'number' ? [o.steps] : o.steps);
    this.top = o.top;
    this.write = resolveWriter(o.write);
    this.timer = new KernelTimer({ byShape: o.byShape });
  }

  override onBatchBegin(): void {
    if (this.steps.has(this.system.globalStep)) this.timer.start();
  }

  override async onBatchEnd(_data: Data): Promise<void> {
    if (!this.timer.active) return;
    const profile = await this.timer.stop();
    const step = this.system.globalStep;
    this.profiles.push({ step, profile });
    const pct = profile.wallMs > 0 ? ((100 * profile.kernelMs) / profile.wallMs).toFixed(1) : '0.0';
    const ms = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
    this.write(
      `FastEstimator-Profiler: step: ${step}; wall ${ms(profile.wallMs)} ms; kernels ${ms(profile.kernelMs)} ms (${pct}%); ` +
        `${profile.calls.toLocaleString('en-US')} kernel calls`,
    );
    this.write(formatStepProfile(profile, { top: this.top, indent: '  ' }));
  }

  override async onEnd(): Promise<void> {
    // A run that stopped inside a profiled step (an error in the step is rethrown before this) leaves nothing on.
    if (this.timer.active) await this.timer.stop();
  }
}
