import { z } from 'zod';
import { parseOptions, type Mode } from '@fets/pipeline';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import type { QuietSig } from '../../core/traceKeys.js';

const schema = z.strictObject({
  write: z.custom<(line: string) => void>((v) => typeof v === 'function').optional(),
  progress: z.enum(['auto', 'bar', 'lines', 'off']).default('auto'),
  digits: z.number().int().min(1).max(12).default(6),
});

/** Options of {@link Logger}. */
export type LoggerOptions = z.input<typeof schema>;

const MODE_TAG: Record<Mode, string> = { train: 'Train', eval: 'Eval', test: 'Test', infer: 'Infer' };

/** Formats a logged value the way FastEstimator prints it. */
export function formatValue(v: unknown, digits = 6): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(digits)));
  if (v && typeof v === 'object' && 'toArray' in v && typeof (v as { toArray: unknown }).toArray === 'function') {
    return JSON.stringify((v as { toArray(): unknown }).toArray());
  }
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Prints FastEstimator's log lines: `FastEstimator-Train: step: 100; loss: 0.52; steps/sec: 24.3;` every `logSteps`
 * training steps, one line per evaluation epoch, and `FastEstimator-Finish` at the end. On a TTY it also shows a
 * progress bar for the running epoch; when piped it prints plain lines only. The Estimator adds one by default.
 *
 * @example
 * new Estimator({ pipeline, network, epochs: 2, traces: [new Logger({ progress: 'lines' })] });
 */
export class Logger extends Trace {
  override readonly order = 'log';
  override readonly chiefOnly = true;
  declare readonly '~sig': QuietSig;
  private readonly write: (line: string) => void;
  private readonly digits: number;
  private readonly bar: boolean;
  private barShown = false;
  private epochSteps: number | undefined;

  constructor(options: LoggerOptions = {}) {
    const o = parseOptions(new.target.name, schema, options);
    super({});
    this.write = o.write ?? ((l) => process.stdout.write(`${l}\n`));
    this.digits = o.digits;
    this.bar = o.progress === 'bar' || (o.progress === 'auto' && process.stdout.isTTY === true && !o.write && !process.env.CI);
  }

  /** @internal The Estimator tells the Logger how many steps an epoch has (for the progress bar). */
  override setEpochSteps(n: number | undefined): void {
    this.epochSteps = n;
  }

  private line(tag: string, logs: Map<string, unknown>, extra: [string, unknown][] = []): string {
    const parts = [...extra, ...logs.entries()].map(([k, v]) => `${k}: ${formatValue(v, this.digits)};`);
    return `FastEstimator-${tag}: ${parts.join(' ')}`;
  }

  private clearBar(): void {
    if (this.barShown) {
      process.stdout.write('\r\x1b[2K');
      this.barShown = false;
    }
  }

  override onBegin(data: Data): void {
    const s = this.system;
    this.write(
      this.line('Start', data.logs, [
        ['step', s.globalStep + 1],
        ['logging_interval', s.logSteps],
      ]),
    );
  }

  override onBatchEnd(data: Data): void {
    const s = this.system;
    if (this.bar && s.mode === 'train') {
      const n = this.epochSteps;
      const done = s.batchIdx + 1;
      const width = 30;
      const filled = n ? Math.round((width * done) / n) : 0;
      const bar = n ? `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${n}` : `${done} steps`;
      process.stdout.write(`\r\x1b[2Kepoch ${s.epoch} ${bar}`);
      this.barShown = true;
    }
    if (s.mode === 'train' && s.shouldLog() && data.logs.size > 0) {
      this.clearBar();
      this.write(this.line('Train', data.logs, [['step', s.globalStep]]));
    }
  }

  override onEpochEnd(data: Data): void {
    const s = this.system;
    this.clearBar();
    if (data.logs.size === 0) return;
    const tag = MODE_TAG[s.mode] + (s.dsId ? `(${s.dsId})` : '');
    this.write(
      this.line(tag, data.logs, [
        ['step', s.globalStep],
        ['epoch', s.epoch],
      ]),
    );
  }

  override onEnd(data: Data): void {
    this.clearBar();
    this.write(this.line('Finish', data.logs, [['step', s(this)]]));
    function s(t: Logger) {
      return t.system.globalStep;
    }
  }
}
