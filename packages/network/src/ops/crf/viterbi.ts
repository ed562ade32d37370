import type { TagConstraints } from './iob2Constraints.js';

/** Scores a Viterbi search adds to emissions: transitions [C·C], start and end [C] (absent = 0). */
export interface ViterbiScores {
  numTags: number;
  transitions?: ArrayLike<number>;
  start?: ArrayLike<number>;
  end?: ArrayLike<number>;
  /** Transitions (and starts) that are forbidden: given −∞. */
  constraints?: TagConstraints;
}

/**
 * The highest-scoring tag path of one sequence (Viterbi, in float64): emission scores `emissionAt(t, c)` for
 * t < `length`, plus `scores`' transitions. Forbidden transitions score −∞; ties take the lowest tag id. Returns the
 * path and its score.
 *
 * @example
 * viterbiPath(3, (t, c) => e[t * C + c], { numTags: C, transitions, start, end }); // { path: Int32Array [..], score }
 */
export function viterbiPath(
  length: number,
  emissionAt: (t: number, c: number) => number,
  scores: ViterbiScores,
): { path: Int32Array; score: number } {
  const C = scores.numTags;
  const { transitions, start, end, constraints } = scores;
  const trans = new Float64Array(C * C);
  for (let k = 0; k < C * C; k++) trans[k] = (transitions ? transitions[k]! : 0) + (constraints && !constraints.allowed[k] ? -Infinity : 0);
  let score = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    score[c] = (start ? start[c]! : 0) + (constraints && !constraints.start[c] ? -Infinity : 0) + emissionAt(0, c);
  }
  const back = new Int32Array(Math.max(0, length - 1) * C);
  for (let t = 1; t < length; t++) {
    const next = new Float64Array(C);
    for (let j = 0; j < C; j++) {
      let best = -Infinity;
      let arg = 0;
      for (let i = 0; i < C; i++) {
        const s = score[i]! + trans[i * C + j]!;
        if (s > best) {
          best = s;
          arg = i;
        }
      }
      next[j] = best + emissionAt(t, j);
      back[(t - 1) * C + j] = arg;
    }
    score = next;
  }
  let best = -Infinity;
  let arg = 0;
  for (let c = 0; c < C; c++) {
    const s = score[c]! + (end ? end[c]! : 0);
    if (s > best) {
      best = s;
      arg = c;
    }
  }
  const path = new Int32Array(length);
  if (length === 0) return { path, score: 0 };
  path[length - 1] = arg;
  for (let t = length - 1; t > 0; t--) path[t - 1] = back[(t - 1) * C + path[t]!]!;
  return { path, score: best };
}
