import { Scheduler } from '../schedule/scheduler.js';
import { dsIdMatches, modeMatches, type Mode, type Selectable } from './mode.js';

/**
 * The one selection rule every op, trace and scheduler goes through (FastEstimator's `get_current_items`):
 * schedulers are resolved at `epoch` (all their values when `epoch` is undefined), nulls dropped (and a scheduler's repeated values listed once), then an item is kept
 * when its mode set is empty or contains `mode`, and its dsId selector admits `dsId`. Undefined `mode`/`dsId` match all.
 *
 * @example
 * getCurrentItems(ops, { mode: 'train', epoch: 2, dsId: 'ner' });
 */
export function getCurrentItems<T extends object>(
  items: Iterable<T | Scheduler<T> | null | undefined>,
  where: { mode?: Mode | undefined; epoch?: number | undefined; dsId?: string | undefined } = {},
): T[] {
  const out: T[] = [];
  for (const item of items) {
    const expandAll = item instanceof Scheduler && where.epoch === undefined;
    let candidates: (T | null | undefined)[];
    if (item instanceof Scheduler) {
      candidates = where.epoch === undefined ? item.getAllValues() : [item.getCurrentValue(where.epoch)];
    } else {
      candidates = [item];
    }
    for (const c of candidates) {
      if (c === null || c === undefined) continue;
      if (expandAll && out.includes(c)) continue;
      const s = c as Selectable;
      if (modeMatches(s.modes, where.mode) && dsIdMatches(s.dsIds, where.dsId)) out.push(c);
    }
  }
  return out;
}
