import { ConfigError } from '../core/errors.js';
import { Scheduler } from './scheduler.js';

/**
 * Picks a value by epoch: the entry with the largest key ≤ the epoch (epochs are 1-based); before the first key,
 * `null`. A `null` value means "nothing" (e.g. no op) for those epochs.
 *
 * @example
 * const s = new EpochScheduler({ 1: 'a', 3: 'b', 4: null, 100: 'c' });
 * s.getCurrentValue(2); // 'a'
 * s.getCurrentValue(50); // null
 */
export class EpochScheduler<T> extends Scheduler<T> {
  readonly epochDict: ReadonlyMap<number, T | null>;
  private readonly keys: number[];

  constructor(epochDict: Record<number, T | null> | Map<number, T | null>) {
    super();
    const entries =
      epochDict instanceof Map ? [...epochDict.entries()] : Object.entries(epochDict).map(([k, v]) => [Number(k), v] as [number, T | null]);
    if (entries.length === 0)
      throw new ConfigError('EpochScheduler', [], 'EpochScheduler: epochDict is empty, expected at least one epoch');
    for (const [k] of entries) {
      if (!Number.isInteger(k) || k < 1) {
        throw new ConfigError('EpochScheduler', [], `EpochScheduler: keys must be integers >= 1 (epochs are 1-based), received ${k}`);
      }
    }
    this.keys = entries.map(([k]) => k).sort((a, b) => a - b);
    this.epochDict = new Map(entries);
  }

  override getCurrentValue(epoch: number): T | null {
    let last: number | undefined;
    for (const k of this.keys) {
      if (k > epoch) break;
      last = k;
    }
    return last === undefined ? null : (this.epochDict.get(last) ?? null);
  }

  override getAllValues(): (T | null)[] {
    return this.keys.map((k) => this.epochDict.get(k) ?? null);
  }
}
