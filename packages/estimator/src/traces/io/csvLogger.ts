import { atomicWriteFile } from '@fets/network';
import path from 'node:path';
import { z } from 'zod';
import { dsIdSpecSchema, modeSpecSchema, parseOptions } from '@fets/pipeline';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { formatValue } from './logger.js';
import { checkWritable } from './fileSafety.js';
import type { QuietSig } from '../../core/traceKeys.js';

const schema = z.strictObject({
  /** The CSV file to write (its directory is created if missing and checked at construction). */
  filename: z.string().min(1),
  /** Modes whose logged values become rows (default all). */
  mode: modeSpecSchema.optional(),
  /** Data sets recorded. */
  dsId: dsIdSpecSchema.optional(),
});

/** Options of {@link CSVLogger}. */
export type CSVLoggerOptions = z.input<typeof schema>;

interface Row {
  mode: string;
  epoch: number;
  step: number;
  logs: ReadonlyMap<string, unknown>;
}

/** Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Writes what the run logs to a CSV file (FastEstimator's CSVLogger): one row per logged training step and per
 * epoch end, columns `mode, epoch, step` then every logged key in order of first appearance (empty where a row lacks
 * it). The file is rewritten atomically at every epoch end and at the end, so it is always a complete, consistent
 * CSV even when new keys appear mid-run. `fit()` starts the rows afresh; a later `test()` adds its rows after them.
 * Values are formatted as the Logger prints them.
 *
 * Keys in: none fetched. Out: the file.
 *
 * @example
 * new CSVLogger({ filename: 'runs/ner/log.csv', mode: ['train', 'eval'] });
 */
export class CSVLogger extends Trace {
  override readonly chiefOnly = true;
  declare readonly '~sig': QuietSig;
  readonly filename: string;
  private rows: Row[] = [];

  constructor(options: CSVLoggerOptions) {
    const o = parseOptions(new.target.name, schema, options);
    super({ ...(o.mode !== undefined ? { mode: o.mode } : {}), ...(o.dsId !== undefined ? { dsId: o.dsId } : {}) });
    checkWritable(path.dirname(path.resolve(o.filename)), 'CSVLogger', 'filename');
    this.filename = o.filename;
  }

  /** A new training run starts a new file; `test()` after `fit()` appends its rows to the run's. */
  override onBegin(): void {
    if (this.system.mode === 'train') this.rows = [];
  }

  private add(data: Data): void {
    const s = this.system;
    // The Map is read when the file is written, so values written by traces after this one are included.
    this.rows.push({ mode: s.dsId ? `${s.mode}(${s.dsId})` : s.mode, epoch: s.epoch, step: s.globalStep, logs: data.logs });
  }

  override onBatchEnd(data: Data): void {
    if (this.system.mode === 'train' && this.system.shouldLog()) this.add(data);
  }

  override async onEpochEnd(data: Data): Promise<void> {
    this.add(data);
    await this.flush();
  }

  override async onEnd(): Promise<void> {
    await this.flush();
  }

  /** The CSV text of the rows so far (rows without any value are left out). */
  toCSV(): string {
    const rows = this.rows.filter((r) => r.logs.size > 0);
    const keys: string[] = [];
    const seen = new Set<string>();
    for (const r of rows) for (const k of r.logs.keys()) if (!seen.has(k)) seen.add(k), keys.push(k);
    const lines = [['mode', 'epoch', 'step', ...keys].map(csvField).join(',')];
    for (const r of rows) {
      const cells = [r.mode, String(r.epoch), String(r.step), ...keys.map((k) => (r.logs.has(k) ? formatValue(r.logs.get(k), 17) : ''))];
      lines.push(cells.map(csvField).join(','));
    }
    return `${lines.join('\n')}\n`;
  }

  private async flush(): Promise<void> {
    await atomicWriteFile(this.filename, this.toCSV(), { owner: this.name });
  }
}
