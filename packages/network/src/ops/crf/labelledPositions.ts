/**
 * The labelled positions of a batch, compacted per sentence: the CRF runs over these only (sub-word continuations,
 * [CLS], [SEP], padding and every other `-100` position are left out, so a word's tag follows the previous word's).
 * Sentences without a labelled position are dropped (`rows` lists the kept ones).
 */
export interface LabelledPositions {
  /** Batch rows kept, in order (those with at least one labelled position). */
  readonly rows: Int32Array;
  /** Labelled positions of each kept row. */
  readonly lengths: Int32Array;
  /** Longest kept row (the compacted time axis). */
  readonly steps: number;
  /** `[rows.length × steps]` flat indices `b · L + t` into the batch's positions (padding slots repeat a valid one). */
  readonly index: Int32Array;
}

/**
 * Finds the labelled positions of `[B, L]` values: those where `isLabelled(b, t)` holds.
 *
 * @example
 * compactPositions(2, 4, (b, t) => labels[b * 4 + t] !== -100);
 */
export function compactPositions(B: number, L: number, isLabelled: (b: number, t: number) => boolean): LabelledPositions {
  const perRow: number[][] = [];
  const rows: number[] = [];
  for (let b = 0; b < B; b++) {
    const pos: number[] = [];
    for (let t = 0; t < L; t++) if (isLabelled(b, t)) pos.push(b * L + t);
    if (pos.length > 0) {
      rows.push(b);
      perRow.push(pos);
    }
  }
  const steps = perRow.reduce((m, p) => Math.max(m, p.length), 0);
  const index = new Int32Array(rows.length * steps);
  perRow.forEach((pos, r) => {
    for (let t = 0; t < steps; t++) index[r * steps + t] = pos[Math.min(t, pos.length - 1)]!;
  });
  return { rows: Int32Array.from(rows), lengths: Int32Array.from(perRow, (p) => p.length), steps, index };
}

/** Positions whose label is not `ignoreIndex` (the loss's view). */
export function positionsFromLabels(labels: ArrayLike<number>, B: number, L: number, ignoreIndex: number): LabelledPositions {
  return compactPositions(B, L, (b, t) => labels[b * L + t] !== ignoreIndex);
}

/**
 * First sub-token of each word, from BertTokenize's `wordIds` (−1 on special tokens and padding): the positions
 * `labels` would mark, known without labels (inference).
 */
export function positionsFromWordIds(wordIds: ArrayLike<number>, B: number, L: number): LabelledPositions {
  return compactPositions(B, L, (b, t) => {
    const w = wordIds[b * L + t]!;
    return w >= 0 && (t === 0 || wordIds[b * L + t - 1] !== w);
  });
}
