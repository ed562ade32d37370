/**
 * Something whose value depends on the epoch (1-based): wraps ops, data sets, batch sizes, optimizers.
 * Accepted wherever FastEstimator accepts a scheduler.
 *
 * @example
 * const bs = new EpochScheduler({ 1: 16, 3: 32 });
 * bs.getCurrentValue(2); // 16
 */
export abstract class Scheduler<T> {
  /** The value in force at `epoch` (1-based); `null` means "nothing this epoch". */
  abstract getCurrentValue(epoch: number): T | null;
  /** Every value the scheduler can take (nulls included), in declaration order. */
  abstract getAllValues(): (T | null)[];
}

/** A value, or a scheduler of it. */
export type Schedulable<T> = T | Scheduler<T>;

/** Resolves a possibly scheduled value at `epoch`. */
export function resolveScheduled<T>(value: Schedulable<T>, epoch: number): T | null {
  return value instanceof Scheduler ? value.getCurrentValue(epoch) : value;
}

/** Every value a possibly scheduled value can take (non-null ones only). */
export function allScheduledValues<T>(value: Schedulable<T>): T[] {
  return value instanceof Scheduler ? value.getAllValues().filter((v): v is T => v !== null && v !== undefined) : [value];
}
