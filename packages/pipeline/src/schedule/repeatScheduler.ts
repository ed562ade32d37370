import { ConfigError } from '../core/errors.js';
import { Scheduler } from './scheduler.js';

/**
 * Cycles through a list, one entry per epoch (epoch 1 → first entry). `null` entries skip those epochs.
 *
 * @example
 * const s = new RepeatScheduler(['a', 'b']);
 * s.getCurrentValue(3); // 'a'
 */
export class RepeatScheduler<T> extends Scheduler<T> {
  readonly repeatList: readonly (T | null)[];

  constructor(repeatList: readonly (T | null)[]) {
    super();
    if (!Array.isArray(repeatList) || repeatList.length < 2) {
      throw new ConfigError(
        'RepeatScheduler',
        [],
        `RepeatScheduler: expected a list of at least 2 entries, received ${Array.isArray(repeatList) ? `${repeatList.length} entries` : typeof repeatList}`,
      );
    }
    this.repeatList = [...repeatList];
  }

  override getCurrentValue(epoch: number): T | null {
    const n = this.repeatList.length;
    return this.repeatList[(((epoch - 1) % n) + n) % n] ?? null;
  }

  override getAllValues(): (T | null)[] {
    return [...this.repeatList];
  }
}
