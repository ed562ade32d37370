import { parseOptions } from '@fets/pipeline';
import { z } from 'zod';
import { getEntities } from './chunks.js';
import { extractEntities } from './entities.js';
import { checkConsistentLength } from './inputs.js';
import { npAverage, npSum } from './numpySum.js';
import { autoDetectScheme, SCHEMES, type Scheme } from './schemes.js';
import { comparePython } from './strings.js';

/** Options shared by `precisionRecallFscoreSupport` and `seqevalReport`. */
export const seqevalOptionsSchema = z.strictObject({
  /** `undefined`/'default': conlleval-style chunks (`getEntities`); 'strict': scheme rules (`extractEntities`). */
  mode: z.enum(['default', 'strict']).optional(),
  /** Tagging scheme for strict mode; when absent in strict mode it is detected from yTrue (IOB2/IOE2/IOBES/BILOU). */
  scheme: z.enum(SCHEMES).optional(),
  /** Tags written type-first (`PER-B`). */
  suffix: z.boolean().default(false),
  /** Value of an undefined precision/recall (seqeval `zero_division`; fets uses 0 by default, without warnings). */
  zeroDivision: z.union([z.literal(0), z.literal(1)]).default(0),
});
/** Options of `seqevalReport`. */
export type SeqevalOptions = z.input<typeof seqevalOptionsSchema>;

const prfOptionsSchema = seqevalOptionsSchema.extend({
  /** undefined: one score per entity type; else the micro, macro or support-weighted average. */
  average: z.enum(['micro', 'macro', 'weighted']).optional(),
  /** Weight of recall in the F-score (F-beta); Infinity gives recall. */
  beta: z.number().min(0).default(1),
});
/** Options of `precisionRecallFscoreSupport`. */
export type PrfOptions = z.input<typeof prfOptionsSchema>;

/** Per-type scores, types sorted as Python sorts strings. */
export interface PerTypeScores {
  types: string[];
  precision: number[];
  recall: number[];
  fScore: number[];
  support: number[];
}

/** One averaged score (NaN where numpy averages an empty list, as seqeval's macro average with no entity types). */
export interface AverageScores {
  precision: number;
  recall: number;
  fScore: number;
  support: number;
}

/** Entity counts per type: true positives, predicted and true entities. */
export interface EntityCounts {
  types: string[];
  tp: number[];
  pred: number[];
  true: number[];
}

function addTo(map: Map<string, Set<string>>, type: string, key: string): void {
  let s = map.get(type);
  if (s === undefined) map.set(type, (s = new Set()));
  s.add(key);
}

/**
 * Counts entities per type in the chosen mode (shapes are assumed checked). Default mode keys an entity by its
 * position in the flattened corpus (seqeval's nested `get_entities`); strict mode by (sentence, start, end).
 *
 * @example
 * countEntities([['B-PER']], [['B-PER']], { mode: 'strict', scheme: 'IOB2', suffix: false }); // tp [1]
 */
export function countEntities(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: { mode?: 'default' | 'strict' | undefined; scheme?: Scheme | undefined; suffix: boolean },
): EntityCounts {
  const byType = [new Map<string, Set<string>>(), new Map<string, Set<string>>()] as const;
  const strict = options.mode === 'strict';
  const scheme = strict ? (options.scheme ?? autoDetectScheme(yTrue, options.suffix)) : undefined;
  [yTrue, yPred].forEach((y, k) => {
    if (scheme !== undefined) {
      for (const e of extractEntities(y, scheme, { suffix: options.suffix })) {
        addTo(byType[k], e.type, `${e.sent},${e.start},${e.end}`);
      }
    } else {
      for (const c of getEntities(y, { suffix: options.suffix })) addTo(byType[k], c.type, `${c.start},${c.end}`);
    }
  });
  const [t, p] = byType;
  const types = [...new Set([...t.keys(), ...p.keys()])].sort(comparePython);
  const counts: EntityCounts = { types, tp: [], pred: [], true: [] };
  for (const type of types) {
    const ts = t.get(type) ?? new Set<string>();
    const ps = p.get(type) ?? new Set<string>();
    let tp = 0;
    for (const key of ps) if (ts.has(key)) tp++;
    counts.tp.push(tp);
    counts.pred.push(ps.size);
    counts.true.push(ts.size);
  }
  return counts;
}

function divide(num: readonly number[], den: readonly number[], zeroDivision: number): number[] {
  return num.map((n, i) => (den[i] === 0 ? zeroDivision : n / den[i]!));
}

/**
 * Precision, recall, F-score and support from entity counts, with seqeval's (sklearn's) rules: a zero denominator
 * gives `zeroDivision`; F is 0 when precision + recall is 0; 'weighted' weighs by support and, when all supports are
 * 0, gives `zeroDivision` (precision and F only if nothing was predicted, else 0).
 *
 * @example
 * scoresFromCounts({ types: ['A'], tp: [1], pred: [2], true: [1] }, { beta: 1, zeroDivision: 0 }).precision; // [0.5]
 */
export function scoresFromCounts(
  counts: EntityCounts,
  options: { average?: 'micro' | 'macro' | 'weighted' | undefined; beta: number; zeroDivision: 0 | 1 },
): PerTypeScores | AverageScores {
  const { average, beta, zeroDivision } = options;
  let { tp, pred, true: tru } = counts;
  if (average === 'micro') {
    tp = [npSum(tp)];
    pred = [npSum(pred)];
    tru = [npSum(tru)];
  }
  const beta2 = beta * beta;
  const precision = divide(tp, pred, zeroDivision);
  const recall = divide(tp, tru, zeroDivision);
  const fScore =
    beta === Infinity
      ? recall.slice()
      : precision.map((p, i) => {
          const r = recall[i]!;
          const denom = beta2 * p + r;
          return ((1 + beta2) * p * r) / (denom === 0 ? 1 : denom);
        });
  const support = tru.reduce((a, b) => a + b, 0);
  if (average === undefined) return { types: counts.types, precision, recall, fScore, support: tru };
  let weights: number[] | undefined;
  if (average === 'weighted') {
    if (support === 0) {
      const nothingPredicted = npSum(pred) === 0;
      const zd = zeroDivision;
      return { precision: nothingPredicted ? zd : 0, recall: zd, fScore: nothingPredicted ? zd : 0, support };
    }
    weights = tru;
  }
  return {
    precision: npAverage(precision, weights),
    recall: npAverage(recall, weights),
    fScore: npAverage(fScore, weights),
    support,
  };
}

/**
 * Entity-level precision, recall, F-beta and support, as seqeval's `precision_recall_fscore_support`
 * (default mode: `seqeval.metrics.sequence_labeling`; strict mode: `seqeval.metrics.v1` with a scheme).
 *
 * @param yTrue true tags, one list per sentence
 * @param yPred predicted tags, same shape (else `SeqevalLengthError`)
 * @param options mode, scheme, suffix, average, beta (1), zeroDivision (0)
 * @returns per-type arrays (`types` sorted as Python sorts) or, with `average`, one averaged score
 * @example
 * precisionRecallFscoreSupport([['B-PER', 'I-PER', 'O']], [['B-PER', 'I-PER', 'O']], { average: 'micro' });
 * // { precision: 1, recall: 1, fScore: 1, support: 1 }
 */
export function precisionRecallFscoreSupport(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: PrfOptions & { average: 'micro' | 'macro' | 'weighted' },
): AverageScores;
export function precisionRecallFscoreSupport(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options?: PrfOptions & { average?: undefined },
): PerTypeScores;
export function precisionRecallFscoreSupport(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: PrfOptions = {},
): PerTypeScores | AverageScores {
  const owner = 'precisionRecallFscoreSupport';
  const o = parseOptions(owner, prfOptionsSchema, options);
  checkConsistentLength(owner, yTrue, yPred);
  return scoresFromCounts(countEntities(yTrue, yPred, o), o);
}
