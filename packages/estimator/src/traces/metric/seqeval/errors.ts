import { FetsError } from '@fets/pipeline';

/**
 * `yTrue` and `yPred` do not line up: a different number of sentences, or sentence `sentence` has a different number
 * of tags in each. `sentence` is -1 when the outer lengths differ.
 *
 * @example
 * seqevalReport([['O']], [['O', 'O']], {}); // SeqevalLengthError: seqeval: sentence 0 has 1 true tags but 2 predicted tags
 */
export class SeqevalLengthError extends FetsError {
  constructor(
    readonly sentence: number,
    readonly trueLength: number,
    readonly predLength: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A tag cannot be read under the chosen scheme: its prefix is not a known letter (I, O, B, E, S, L, U) or the scheme
 * does not allow it (e.g. `S-PER` under IOB2). Carries where it was found.
 *
 * @example
 * extractEntities([['S-PER']], 'IOB2'); // SeqevalTagError: seqeval IOB2: invalid tag "S-PER" at sentence 0, position 0 ...
 */
export class SeqevalTagError extends FetsError {
  constructor(
    readonly tag: string,
    readonly sentence: number,
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}
