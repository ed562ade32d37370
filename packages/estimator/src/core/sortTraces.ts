import { FetsError } from '@fets/pipeline';
import type { Trace } from './trace.js';

/** The trace graph is inconsistent: a cycle, or an input nothing produces. */
export class TraceGraphError extends FetsError {
  constructor(
    message: string,
    readonly traces: string[],
    readonly key?: string,
  ) {
    super(message);
  }
}

/**
 * Orders traces so each runs after the traces that write the keys it reads (stable: otherwise the given order).
 * `available` are keys provided by the Pipeline and Network. An input neither available nor written by a trace is an
 * error naming the trace and key; a cycle is an error naming the traces in it.
 *
 * @example
 * sortTraces([logger, accuracy], ['y', 'yPred', 'loss']); // [accuracy, logger]
 */
export function sortTraces<T extends Trace>(traces: readonly T[], available: Iterable<string>, where = ''): T[] {
  const avail = new Set(available);
  const writers = new Map<string, T[]>();
  for (const t of traces) for (const k of t.outputs) writers.set(k, [...(writers.get(k) ?? []), t]);
  const deps = new Map<T, Set<T>>();
  for (const t of traces) {
    const d = new Set<T>();
    for (const k of t.inputs) {
      const w = (writers.get(k) ?? []).filter((x) => x !== t);
      if (w.length === 0 && !avail.has(k) && !t.outputs.includes(k)) {
        throw new TraceGraphError(
          `trace ${t.name} reads key "${k}"${where}, but neither the Pipeline, the Network nor another trace provides it` +
            ` (available: ${[...new Set([...avail, ...writers.keys()])].join(', ') || 'nothing'})`,
          [t.name],
          k,
        );
      }
      w.forEach((x) => d.add(x));
    }
    deps.set(t, d);
  }
  const out: T[] = [];
  const done = new Set<T>();
  const remaining = [...traces];
  while (remaining.length > 0) {
    const i = remaining.findIndex((t) => [...deps.get(t)!].every((d) => done.has(d)));
    if (i < 0) {
      const names = remaining.map((t) => `${t.name}(${t.inputs.join(',')} → ${t.outputs.join(',')})`);
      throw new TraceGraphError(
        `traces form a cycle through their inputs and outputs: ${names.join(', ')}`,
        remaining.map((t) => t.name),
      );
    }
    const [t] = remaining.splice(i, 1);
    out.push(t!);
    done.add(t!);
  }
  return out;
}
