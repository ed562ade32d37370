import type { DataDict } from '@fets/pipeline';

/**
 * What a trace hook receives (FastEstimator's Data): read access to the batch (in `onBatchEnd`) and two ways to write
 * results: `writeWithLog` (shown by the Logger and kept in the Summary) and `writeWithoutLog` (visible to later traces only).
 *
 * @example
 * onEpochEnd(data: Data) { data.writeWithLog('accuracy', this.correct / this.total); }
 */
export class Data {
  /** Values written with `writeWithLog` by this hook call, in order. */
  readonly logs = new Map<string, unknown>();
  private readonly extra = new Map<string, unknown>();

  constructor(readonly batch: Readonly<DataDict> = {}) {}

  /** A value of the batch or one written earlier in this hook round. */
  get<T = unknown>(key: string): T | undefined {
    if (this.logs.has(key)) return this.logs.get(key) as T;
    if (this.extra.has(key)) return this.extra.get(key) as T;
    return this.batch[key] as T | undefined;
  }

  /** Whether `key` can be read. */
  has(key: string): boolean {
    return this.logs.has(key) || this.extra.has(key) || key in this.batch;
  }

  /** Writes a value that the Logger prints and the Summary records. */
  writeWithLog(key: string, value: unknown): void {
    this.logs.set(key, value);
  }

  /** Writes a value later traces can read, without logging it. */
  writeWithoutLog(key: string, value: unknown): void {
    this.extra.set(key, value);
  }

  /** Every key readable here. */
  keys(): string[] {
    return [...new Set([...Object.keys(this.batch), ...this.extra.keys(), ...this.logs.keys()])];
  }
}
