import { MetricInputError } from '../labels.js';
import { SeqevalLengthError } from './errors.js';

/**
 * Checks that `yTrue` and `yPred` are lists of tag lists of the same shape (seqeval's `check_consistent_length`);
 * throws `SeqevalLengthError` naming the first sentence whose lengths differ, or `MetricInputError` for a non-list input.
 *
 * @example
 * checkConsistentLength('seqevalReport', [['O']], [['O']]); // ok
 */
export function checkConsistentLength(owner: string, yTrue: unknown, yPred: unknown): void {
  for (const [name, v] of [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ] as const) {
    if (!Array.isArray(v)) throw new MetricInputError(owner, name, `expected a list of tag lists, received ${typeof v}`);
    const bad = v.findIndex((s) => !Array.isArray(s));
    if (bad >= 0) {
      throw new MetricInputError(owner, `${name}[${bad}]`, `expected a list of tags, received ${JSON.stringify(v[bad])}`);
    }
  }
  const t = yTrue as unknown[][];
  const p = yPred as unknown[][];
  if (t.length !== p.length) {
    throw new SeqevalLengthError(-1, t.length, p.length, `${owner}: yTrue has ${t.length} sentences but yPred has ${p.length}`);
  }
  for (let i = 0; i < t.length; i++) {
    if (t[i]!.length !== p[i]!.length) {
      throw new SeqevalLengthError(
        i,
        t[i]!.length,
        p[i]!.length,
        `${owner}: sentence ${i} has ${t[i]!.length} true tags but ${p[i]!.length} predicted tags`,
      );
    }
  }
}
