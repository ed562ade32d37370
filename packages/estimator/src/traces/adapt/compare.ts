import { scalarOf } from '../io/essentials.js';
import type { Data } from '../../core/data.js';
import { MetricInputError } from '../metric/labels.js';

/** Whether a smaller ('min') or a larger ('max') monitored value is better. */
export type CompareMode = 'min' | 'max';

/** The epoch-end value of a monitored key as a number, or undefined when it was not written this epoch. */
export function monitoredValue(owner: string, data: Data, key: string): number | undefined {
  const v = data.get(key);
  if (v === undefined) return undefined;
  const n = scalarOf(v);
  if (n === undefined) throw new MetricInputError(owner, key, `holds a non-numeric value (${typeof v}); monitor a scalar metric`);
  return n;
}

/** True when `current` beats `best` by more than `minDelta` in the direction of `mode`. */
export function improves(mode: CompareMode, current: number, best: number, minDelta = 0): boolean {
  return mode === 'min' ? current + Math.abs(minDelta) < best : current - Math.abs(minDelta) > best;
}

/** The worst possible value for a mode (the starting "best"). */
export function worst(mode: CompareMode): number {
  return mode === 'min' ? Infinity : -Infinity;
}
