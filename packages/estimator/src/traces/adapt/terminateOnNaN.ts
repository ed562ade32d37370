import { z } from 'zod';
import { NDArray, dsIdSpecSchema, keysSchema, modeSpecSchema, parseOptions, toKeyList } from '@fets/pipeline';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { lineWriterSchema, resolveWriter, type LineWriter } from '../io/lineWriter.js';
import type { QuietSig } from '../../core/traceKeys.js';

const schema = z.strictObject({
  /** Keys to check (default: every numeric value the batch or earlier traces hold, which includes the losses). */
  monitorNames: keysSchema.optional(),
  /** Modes to check in (default all). */
  mode: modeSpecSchema.optional(),
  /** Data sets to check. */
  dsId: dsIdSpecSchema.optional(),
  /** Where the notice is printed (default standard output). */
  write: lineWriterSchema,
});

/** Options of {@link TerminateOnNaN}. */
export type TerminateOnNaNOptions = z.input<typeof schema>;

/** Where a non-finite value was seen. */
export interface NaNDetection {
  key: string;
  mode: string;
  epoch: number;
  step: number;
  value: number;
}

/** The first non-finite number in a value (number or numeric NDArray), or undefined. */
export function firstNonFinite(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : v;
  if (v instanceof NDArray && v.dtype === 'float32') {
    const d = v.data as Float32Array;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return d[i]!;
  }
  return undefined;
}

/**
 * Stops training as soon as a monitored value is NaN or ±Infinity (FastEstimator's TerminateOnNaN): checked after
 * every batch and at every epoch end; sets `system.stopTraining = true`, records where in `detected` and prints
 * `FastEstimator-TerminateOnNaN: NaN detected in "loss" at step 37 (epoch 2, train)`.
 *
 * Keys in: `monitorNames` (or every numeric key present). Out: none.
 *
 * @example
 * new TerminateOnNaN({ monitorNames: 'loss' });
 */
export class TerminateOnNaN extends Trace {
  override readonly skipsNonFinite = true;
  declare readonly '~sig': QuietSig;
  private readonly keys: string[] | undefined;
  private readonly write: LineWriter;
  /** The first detection, if any. */
  detected: NaNDetection | undefined;

  constructor(options: TerminateOnNaNOptions = {}) {
    const o = parseOptions(new.target.name, schema, options);
    const keys = o.monitorNames === undefined ? undefined : toKeyList(o.monitorNames);
    super({ inputs: keys ?? [], ...(o.mode !== undefined ? { mode: o.mode } : {}), ...(o.dsId !== undefined ? { dsId: o.dsId } : {}) });
    this.keys = keys;
    this.write = resolveWriter(o.write);
  }

  override onBegin(): void {
    this.detected = undefined;
  }

  private check(data: Data): void {
    if (this.detected && this.system.stopTraining) return;
    for (const key of this.keys ?? data.keys()) {
      const bad = firstNonFinite(data.get(key));
      if (bad === undefined) continue;
      const s = this.system;
      this.detected = { key, mode: s.mode, epoch: s.epoch, step: s.globalStep, value: bad };
      if (!s.stopTraining) s.stopTraining = true;
      this.write(`FastEstimator-TerminateOnNaN: ${bad} detected in "${key}" at step ${s.globalStep} (epoch ${s.epoch}, ${s.mode})`);
      return;
    }
  }

  override onBatchEnd(data: Data): void {
    this.check(data);
  }

  override onEpochEnd(data: Data): void {
    this.check(data);
  }
}
