import { parseOptions } from '@fets/pipeline';
import { checkConsistentLength } from './inputs.js';
import {
  countEntities,
  scoresFromCounts,
  seqevalOptionsSchema,
  type AverageScores,
  type PerTypeScores,
  type SeqevalOptions,
} from './prf.js';

/** One row of a seqeval report. */
export interface SeqevalRow {
  precision: number;
  recall: number;
  'f1-score': number;
  support: number;
}

/**
 * seqeval's `classification_report(..., output_dict=True)`: one row per entity type (sorted as Python sorts strings),
 * then `'micro avg'`, `'macro avg'`, `'weighted avg'`. A macro average over no entity types is NaN (seqeval's `nan`,
 * which `JSON.stringify` writes as null). JavaScript enumerates integer-like keys (a type named `'1'`) first.
 */
export type SeqevalReport = Record<string, SeqevalRow>;

function row(s: AverageScores): SeqevalRow {
  return { precision: s.precision, recall: s.recall, 'f1-score': s.fScore, support: s.support };
}

/**
 * Entity-level classification report, the same numbers and keys as seqeval's
 * `classification_report(y_true, y_pred, output_dict=True, zero_division=0, mode, scheme)`.
 *
 * - `mode` undefined (or 'default'): conlleval-style chunks (`getEntities`), lenient to IOB1-like input; `scheme` is
 *   ignored, as in seqeval.
 * - `mode: 'strict'`: entities by the scheme's rules (`extractEntities`), matched by (sentence, start, end, type);
 *   without `scheme` it is detected from `yTrue` as seqeval does.
 *
 * @param yTrue true tags, one list per sentence
 * @param yPred predicted tags, same shape (else `SeqevalLengthError` naming the sentence and both lengths)
 * @param options `{ mode?, scheme?, suffix? = false, zeroDivision? = 0 }`
 * @returns `{ [type]: row, 'micro avg': row, 'macro avg': row, 'weighted avg': row }`, row =
 *   `{ precision, recall, 'f1-score', support }`
 * @example
 * const r = seqevalReport([['B-PER', 'I-PER', 'O', 'B-LOC']], [['B-PER', 'I-PER', 'O', 'O']], { mode: 'strict', scheme: 'IOB2' });
 * r.PER['f1-score']; // 1
 * r['micro avg'].recall; // 0.5
 */
export function seqevalReport(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: SeqevalOptions = {},
): SeqevalReport {
  const owner = 'seqevalReport';
  const o = parseOptions(owner, seqevalOptionsSchema, options);
  checkConsistentLength(owner, yTrue, yPred);
  const counts = countEntities(yTrue, yPred, o);
  const per = scoresFromCounts(counts, { beta: 1, zeroDivision: o.zeroDivision }) as PerTypeScores;
  const entries: [string, SeqevalRow][] = per.types.map((type, i) => [
    type,
    { precision: per.precision[i]!, recall: per.recall[i]!, 'f1-score': per.fScore[i]!, support: per.support[i]! },
  ]);
  for (const average of ['micro', 'macro', 'weighted'] as const) {
    const s = scoresFromCounts(counts, { average, beta: 1, zeroDivision: o.zeroDivision }) as AverageScores;
    entries.push([`${average} avg`, row(s)]);
  }
  return Object.fromEntries(entries);
}
