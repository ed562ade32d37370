/**
 * Numeric progress of a trace as stored in a RestoreWizard checkpoint (JSON): ±Infinity (a best value before any
 * epoch) is kept as a string, since JSON has no Infinity.
 *
 * @example
 * encodeNumbers({ best: Infinity, wait: 2 }); // { best: 'Infinity', wait: 2 }
 */
export function encodeNumbers(values: Readonly<Record<string, number>>): Record<string, number | string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number.isFinite(v) ? v : String(v)]));
}

/**
 * The numbers of a checkpoint state written by {@link encodeNumbers}, only `keys` and only numbers (anything else is
 * left out).
 *
 * @example
 * decodeNumbers({ best: 'Infinity', wait: 2 }, ['best', 'wait']); // { best: Infinity, wait: 2 }
 */
export function decodeNumbers<K extends string>(state: unknown, keys: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  if (!state || typeof state !== 'object') return out;
  for (const k of keys) {
    const v = (state as Record<string, unknown>)[k];
    const n = v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;
    if (typeof n === 'number' && !Number.isNaN(n)) out[k] = n;
  }
  return out;
}
