import { SeqevalTagError } from './errors.js';
import { dropFirst, dropLast, firstChar, lastChar, stripChars } from './strings.js';

/** The tagging schemes of seqeval's strict mode (`seqeval.scheme`). */
export const SCHEMES = ['IOB1', 'IOB2', 'IOE1', 'IOE2', 'IOBES', 'BILOU'] as const;
/** A tagging scheme name: `'IOB1' | 'IOB2' | 'IOE1' | 'IOE2' | 'IOBES' | 'BILOU'`. */
export type Scheme = (typeof SCHEMES)[number];

/** Prefix letters as bit flags, so that a set of letters is one number (seqeval's `Prefix` flag enum). */
export const Prefix = { I: 1, O: 2, B: 4, E: 8, S: 16, U: 32, L: 64, ANY: 127 } as const;
type PrefixLetter = 'I' | 'O' | 'B' | 'E' | 'S' | 'U' | 'L';
const LETTERS: readonly PrefixLetter[] = ['I', 'O', 'B', 'E', 'S', 'U', 'L'];
/** Tag conditions between the previous and the current token (seqeval's `Tag` flag enum). */
export const TagCond = { SAME: 1, DIFF: 2, ANY: 3 } as const;

/** (previous prefixes, current prefixes, tag condition): a transition rule. */
export type Pattern = readonly [prev: number, cur: number, tag: number];

/** A scheme's token-level rules: which prefixes it allows and when a token starts, continues or ends a chunk. */
export interface SchemeRules {
  name: Scheme;
  allowed: number;
  start: readonly Pattern[];
  inside: readonly Pattern[];
  end: readonly Pattern[];
}

const { I, O, B, E, S, U, L, ANY } = Prefix;
const { SAME, DIFF } = TagCond;
const ANY_TAG = TagCond.ANY;

/** The rule table of every scheme, transcribed from the semantics of seqeval's `scheme.py` classes. */
export const SCHEME_RULES: Readonly<Record<Scheme, SchemeRules>> = {
  IOB1: {
    name: 'IOB1',
    allowed: I | O | B,
    start: [
      [O, I, ANY_TAG],
      [I, I, DIFF],
      [B, I, ANY_TAG],
      [I, B, SAME],
      [B, B, SAME],
    ],
    inside: [
      [B, I, SAME],
      [I, I, SAME],
    ],
    end: [
      [I, I, DIFF],
      [I, O, ANY_TAG],
      [I, B, ANY_TAG],
      [B, O, ANY_TAG],
      [B, I, DIFF],
      [B, B, SAME],
    ],
  },
  IOE1: {
    name: 'IOE1',
    allowed: I | O | E,
    start: [
      [O, I, ANY_TAG],
      [I, I, DIFF],
      [E, I, ANY_TAG],
      [E, E, SAME],
    ],
    inside: [
      [I, I, SAME],
      [I, E, SAME],
    ],
    end: [
      [I, I, DIFF],
      [I, O, ANY_TAG],
      [I, E, DIFF],
      [E, I, SAME],
      [E, E, SAME],
    ],
  },
  IOB2: {
    name: 'IOB2',
    allowed: I | O | B,
    start: [[ANY, B, ANY_TAG]],
    inside: [
      [B, I, SAME],
      [I, I, SAME],
    ],
    end: [
      [I, O, ANY_TAG],
      [I, I, DIFF],
      [I, B, ANY_TAG],
      [B, O, ANY_TAG],
      [B, I, DIFF],
      [B, B, ANY_TAG],
    ],
  },
  IOE2: {
    name: 'IOE2',
    allowed: I | O | E,
    start: [
      [O, I, ANY_TAG],
      [O, E, ANY_TAG],
      [E, I, ANY_TAG],
      [E, E, ANY_TAG],
      [I, I, DIFF],
      [I, E, DIFF],
    ],
    inside: [
      [I, E, SAME],
      [I, I, SAME],
    ],
    end: [[E, ANY, ANY_TAG]],
  },
  IOBES: {
    name: 'IOBES',
    allowed: I | O | B | E | S,
    start: [
      [ANY, B, ANY_TAG],
      [ANY, S, ANY_TAG],
    ],
    inside: [
      [B, I, SAME],
      [B, E, SAME],
      [I, I, SAME],
      [I, E, SAME],
    ],
    end: [
      [S, ANY, ANY_TAG],
      [E, ANY, ANY_TAG],
    ],
  },
  BILOU: {
    name: 'BILOU',
    allowed: B | I | L | O | U,
    start: [
      [ANY, B, ANY_TAG],
      [ANY, U, ANY_TAG],
    ],
    inside: [
      [B, I, SAME],
      [B, L, SAME],
      [I, I, SAME],
      [I, L, SAME],
    ],
    end: [
      [U, ANY, ANY_TAG],
      [L, ANY, ANY_TAG],
    ],
  },
};

/** A parsed token: its prefix flag and its entity type (`_` when empty, e.g. for `O`). */
export interface Token {
  prefix: number;
  type: string;
}

/** Names of the letters in a prefix set, e.g. `I|O|B`. */
export function prefixNames(flags: number): string {
  return LETTERS.filter((l) => (Prefix[l] & flags) !== 0).join('|');
}

/**
 * Parses one tag as seqeval's strict `Token` does: prefix = first letter (last with `suffix`), type = the rest with
 * the delimiter `-` stripped from both ends, or `_` when nothing is left. Throws `SeqevalTagError` for an empty tag or
 * an unknown prefix letter.
 *
 * @example
 * parseToken('B-PER', false, 0, 0); // { prefix: Prefix.B, type: 'PER' }
 */
export function parseToken(tag: string, suffix: boolean, sentence: number, position: number): Token {
  const letter = typeof tag === 'string' ? (suffix ? lastChar(tag) : firstChar(tag)) : undefined;
  const prefix = letter !== undefined && (LETTERS as readonly string[]).includes(letter) ? Prefix[letter as PrefixLetter] : 0;
  if (prefix === 0) {
    throw new SeqevalTagError(
      String(tag),
      sentence,
      position,
      `seqeval: tag ${JSON.stringify(tag)} at sentence ${sentence}, position ${position} has no known prefix letter ` +
        `(expected one of ${LETTERS.join(', ')} as its ${suffix ? 'last' : 'first'} character)`,
    );
  }
  const rest = suffix ? dropLast(tag) : dropFirst(tag);
  return { prefix, type: stripChars(rest, '-') || '_' };
}

/** True when some pattern matches the transition prev → cur (seqeval's `check_patterns`). */
export function matches(prev: Token, cur: Token, patterns: readonly Pattern[]): boolean {
  for (const [pp, cp, cond] of patterns) {
    if ((prev.prefix & pp) === 0 || (cur.prefix & cp) === 0) continue;
    if (cond === TagCond.ANY || (cond === SAME ? prev.type === cur.type : prev.type !== cur.type)) return true;
  }
  return false;
}

const DETECT: readonly [Scheme, readonly string[]][] = [
  ['IOB2', ['IOB', 'IB', 'BO', 'B']],
  ['IOE2', ['IOE', 'IE', 'EO', 'E']],
  ['IOBES', ['IOBES', 'IBES', 'IOBE', 'OBES', 'IBE', 'BES', 'OBE', 'BE', 'S']],
  ['BILOU', ['IOBLU', 'IBLU', 'IOBL', 'OBLU', 'IBL', 'BLU', 'OBL', 'BL', 'U']],
];

/**
 * Guesses the scheme from the set of prefixes used, as seqeval's `auto_detect` (IOB2, IOE2, IOBES or BILOU only);
 * throws `SeqevalTagError` when the set fits none of them.
 *
 * @example
 * autoDetectScheme([['B-PER', 'E-PER', 'S-LOC']]); // 'IOBES'
 */
export function autoDetectScheme(sequences: readonly (readonly string[])[], suffix = false): Scheme {
  let seen = 0;
  sequences.forEach((seq, si) => seq.forEach((t, pi) => (seen |= parseToken(t, suffix, si, pi).prefix)));
  for (const [scheme, sets] of DETECT) {
    for (const letters of sets) {
      let flags = 0;
      for (const ch of letters) flags |= Prefix[ch as PrefixLetter];
      if (flags === seen) return scheme;
    }
  }
  throw new SeqevalTagError(
    prefixNames(seen),
    -1,
    -1,
    `seqeval: cannot detect the tagging scheme from the prefixes {${prefixNames(seen)}}; ` +
      `pass scheme explicitly (one of ${SCHEMES.join(', ')})`,
  );
}
