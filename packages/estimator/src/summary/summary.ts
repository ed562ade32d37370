import type { Mode } from '@fets/pipeline';

/** history[mode][key] → Map(step → value) (FastEstimator's Summary.history). */
export type History = Partial<Record<Mode, Record<string, Map<number, unknown>>>>;

/**
 * What a run logged: `history[mode][key].get(step)`. `fit()` and `test()` return it; `visualizeLogs` draws it.
 *
 * @example
 * const s = await estimator.fit();
 * s.history.eval!.f1!.get(1234); // F1 at step 1234
 */
export class Summary {
  readonly history: History = {};

  constructor(readonly name = 'experiment') {}

  /** Records a value. */
  record(mode: Mode, key: string, step: number, value: unknown): void {
    const m = (this.history[mode] ??= {});
    (m[key] ??= new Map()).set(step, value);
  }

  /** The last recorded value of a key in a mode. */
  last(mode: Mode, key: string): unknown {
    const m = this.history[mode]?.[key];
    if (!m || m.size === 0) return undefined;
    return [...m.values()][m.size - 1];
  }

  /** Every (step, value) of a numeric key, in step order. */
  series(mode: Mode, key: string): [number, number][] {
    const m = this.history[mode]?.[key];
    if (!m) return [];
    return [...m.entries()].filter(([, v]) => typeof v === 'number').sort((a, b) => a[0] - b[0]) as [number, number][];
  }

  /** Plain JSON form (maps become objects). */
  toJSON(): { name: string; history: Record<string, Record<string, Record<string, unknown>>> } {
    const h: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const [mode, keys] of Object.entries(this.history)) {
      h[mode] = {};
      for (const [k, m] of Object.entries(keys ?? {})) h[mode]![k] = Object.fromEntries(m);
    }
    return { name: this.name, history: h };
  }

  /** Rebuilds a Summary from `toJSON()` output. */
  static fromJSON(json: { name: string; history: Record<string, Record<string, Record<string, unknown>>> }): Summary {
    const s = new Summary(json.name);
    for (const [mode, keys] of Object.entries(json.history)) {
      for (const [k, steps] of Object.entries(keys))
        for (const [step, v] of Object.entries(steps)) s.record(mode as Mode, k, Number(step), v);
    }
    return s;
  }
}
