/**
 * Where the Estimator's loop places each trace, written once. A trace declares its `order` (default `'metric'`); the
 * loop sorts by it and never asks for a trace's class.
 *
 * - `'essential'`: the loop's own (losses, step timing), first, so every other trace sees their keys;
 * - `'metric'`: the user's traces, in the order their keys need (`sortTraces`);
 * - `'checkpoint'`: writes a checkpoint after every trace above finished the epoch, and restores before any of them
 *   begins (RestoreWizard);
 * - `'log'`: prints what every other trace wrote, last (Logger).
 */
import type { Trace } from './trace.js';

/** A trace's place in the loop, in the order of {@link TRACE_ORDER}. */
export type TraceOrder = 'essential' | 'metric' | 'checkpoint' | 'log';

/** The order traces run in at each hook; `onBegin` puts checkpoints first (a restore precedes every other begin). */
export const TRACE_ORDER: readonly TraceOrder[] = ['essential', 'metric', 'checkpoint', 'log'];
const BEGIN_ORDER: readonly TraceOrder[] = ['checkpoint', 'essential', 'metric', 'log'];

/**
 * The traces sorted by their `order` (stable: the given order within one), as they run at `hook`.
 *
 * @example
 * byOrder([logger, accuracy, wizard]); // [accuracy, wizard, logger]
 */
export function byOrder<T extends Pick<Trace, 'order'>>(traces: readonly T[], hook: 'onBegin' | 'other' = 'other'): T[] {
  const rank = hook === 'onBegin' ? BEGIN_ORDER : TRACE_ORDER;
  return traces
    .map((t, i) => ({ t, i }))
    .sort((a, b) => rank.indexOf(a.t.order) - rank.indexOf(b.t.order) || a.i - b.i)
    .map(({ t }) => t);
}
