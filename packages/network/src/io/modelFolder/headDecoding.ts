import { FetsError } from '@fets/pipeline';
import type { TagDecoding } from '../../ops/crf/decodeSequence.js';
import { iob2Constraints } from '../../ops/crf/iob2Constraints.js';
import type { ViterbiScores } from '../../ops/crf/viterbi.js';
import type { ModelFolderHead } from './manifest.js';

/** A CRF's scores as plain numbers (from `model.safetensors`, a model's variables or an ONNX output). */
export interface CrfScores {
  /** `[C · C]`, row-major: score of tag j following tag i at `i · C + j`. */
  transitions: ArrayLike<number>;
  /** `[C]`: score of each tag starting a sequence. */
  start: ArrayLike<number>;
  /** `[C]`: score of each tag ending a sequence. */
  end: ArrayLike<number>;
}

/** How a model folder's head turns scores into tags: the rule and what Viterbi adds (see `decodeSequence`). */
export interface HeadDecoding {
  decode: TagDecoding;
  scores: ViterbiScores;
}

/** A `crf` head without the CRF's scores, or scores of another size than the labels. */
export class HeadDecodingError extends FetsError {}

/**
 * The decoding a model folder's head asks for, over `labels`: argmax or IOB2-constrained Viterbi for `softmax`,
 * Viterbi with the CRF's `crf` scores (and IOB2 constraints when recorded) for `crf`.
 *
 * @throws HeadDecodingError when the head is `crf` and `crf` is absent or of another size than `labels`
 * @example
 * const { decode, scores } = headDecoding(loaded.manifest.head, loaded.labels, loaded.crf);
 * decodeSequence(logits, positions, decode, scores);
 */
export function headDecoding(head: ModelFolderHead, labels: readonly string[], crf?: CrfScores): HeadDecoding {
  const C = labels.length;
  const scores: ViterbiScores = { numTags: C };
  if (head.constraints === 'iob2') scores.constraints = iob2Constraints(labels);
  if (head.type === 'softmax') return { decode: head.constraints === 'iob2' ? 'constrained' : 'argmax', scores };
  if (!crf) throw new HeadDecodingError(`head "crf": expected the CRF's transitions, start and end scores, received none`);
  const sizes = [crf.transitions.length, crf.start.length, crf.end.length];
  if (sizes[0] !== C * C || sizes[1] !== C || sizes[2] !== C) {
    throw new HeadDecodingError(
      `head "crf": expected transitions of ${C}×${C} and start/end of ${C} values (${C} labels), received ${sizes.join(', ')} values`,
    );
  }
  return { decode: 'crf', scores: { ...scores, transitions: crf.transitions, start: crf.start, end: crf.end } };
}
