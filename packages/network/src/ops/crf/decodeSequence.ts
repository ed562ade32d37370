import { viterbiPath, type ViterbiScores } from './viterbi.js';

/**
 * How emission scores become tags: 'crf': Viterbi over the scores plus a CRF's transitions; 'constrained': Viterbi
 * over each position's log-softmax with only the constraints (a softmax head kept to valid sequences); 'argmax':
 * each position alone.
 */
export type TagDecoding = 'crf' | 'constrained' | 'argmax';

/**
 * The tag ids of one sequence: step t's emission scores are row `rows[t]` of `scores` (rows of `scores.numTags`
 * values, e.g. a window's logits `[L, C]` flattened, or a batch's `[B·L, C]`). The one decoder behind TagDecode,
 * TokenTagger and the web page, so the three give the same tags for the same scores.
 *
 * @example
 * decodeSequence(logits, Int32Array.of(1, 2, 4), 'crf', { numTags: C, transitions, start, end, constraints });
 */
export function decodeSequence(
  scores: ArrayLike<number>,
  rows: ArrayLike<number>,
  decode: TagDecoding,
  viterbi: ViterbiScores,
): Int32Array {
  const C = viterbi.numTags;
  const len = rows.length;
  if (decode === 'argmax') {
    const out = new Int32Array(len);
    for (let t = 0; t < len; t++) {
      const base = rows[t]! * C;
      let best = 0;
      for (let c = 1; c < C; c++) if (scores[base + c]! > scores[base + best]!) best = c;
      out[t] = best;
    }
    return out;
  }
  // Log-softmax of a row (the constrained softmax head compares log-probabilities).
  const logNorm = (base: number) => {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, scores[base + c]!);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(scores[base + c]! - max);
    return max + Math.log(s);
  };
  const norms = decode === 'constrained' ? Array.from({ length: len }, (_, t) => logNorm(rows[t]! * C)) : undefined;
  return viterbiPath(len, (t, c) => scores[rows[t]! * C + c]! - (norms ? norms[t]! : 0), viterbi).path;
}
