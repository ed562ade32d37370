import { MetricInputError } from '../labels.js';

/**
 * Turns one sentence of label ids and predicted ids into tag strings for seqeval, dropping every position whose TRUE
 * id is `ignoreIndex` (special tokens, padding and non-first sub-words in token classification), so one tag remains
 * per word. Predicted ids at kept positions must index `labels` too.
 *
 * @param labelIds true label id per token position (e.g. an Int32Array row of `y`)
 * @param predIds predicted label id per position (e.g. argmax of the logits), same length
 * @param labels tag names by id (`['O', 'B-PER', 'I-PER', ...]`)
 * @param ignoreIndex id marking positions to skip (default -100)
 * @returns `{ yTrue, yPred }` of equal length
 * @example
 * alignPredictions([-100, 1, 2, -100], [0, 1, 1, 0], ['O', 'B-PER', 'I-PER']);
 * // { yTrue: ['B-PER', 'I-PER'], yPred: ['B-PER', 'B-PER'] }
 */
export function alignPredictions(
  labelIds: ArrayLike<number>,
  predIds: ArrayLike<number>,
  labels: readonly string[],
  ignoreIndex = -100,
): { yTrue: string[]; yPred: string[] } {
  if (labelIds.length !== predIds.length) {
    throw new MetricInputError(
      'alignPredictions',
      'predIds',
      `labelIds has ${labelIds.length} positions but predIds has ${predIds.length}`,
    );
  }
  const yTrue: string[] = [];
  const yPred: string[] = [];
  const name = (kind: string, id: number, pos: number): string => {
    if (!Number.isInteger(id) || id < 0 || id >= labels.length) {
      throw new MetricInputError(
        'alignPredictions',
        kind === 'label' ? 'labelIds' : 'predIds',
        `${kind} id ${id} at position ${pos} is not an index into labels (${labels.length} labels) ` +
          `nor the ignore index ${ignoreIndex}`,
      );
    }
    return labels[id]!;
  };
  for (let i = 0; i < labelIds.length; i++) {
    const t = labelIds[i]!;
    if (t === ignoreIndex) continue;
    yTrue.push(name('label', t, i));
    yPred.push(name('predicted', predIds[i]!, i));
  }
  return { yTrue, yPred };
}
