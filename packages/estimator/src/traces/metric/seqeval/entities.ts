import { ConfigError } from '@fets/pipeline';
import { SeqevalTagError } from './errors.js';
import { matches, parseToken, prefixNames, SCHEME_RULES, type Scheme, type Token } from './schemes.js';

/**
 * One entity found in strict mode: sentence index, type, first position and END-EXCLUSIVE stop position
 * (seqeval's `Entity(sent_id, start, end, tag)`).
 */
export interface StrictEntity {
  sent: number;
  type: string;
  start: number;
  end: number;
}

/**
 * Strict-mode entities of one sentence under `scheme`, following seqeval's `Tokens.entities`: a chunk counts only when
 * a start pattern opens it, inside patterns continue it, and an end pattern closes it at the next token (a sentinel
 * `O` follows the sentence). A malformed chunk (e.g. `I-PER` with no `B-PER` under IOB2) yields no entity.
 */
function sentenceEntities(tags: readonly string[], scheme: Scheme, suffix: boolean, sent: number): StrictEntity[] {
  const rules = SCHEME_RULES[scheme];
  const tokens: Token[] = tags.map((t, i) => parseToken(t, suffix, sent, i));
  const outside = parseToken('O', suffix, sent, tags.length);
  tokens.push(outside);
  const out: StrictEntity[] = [];
  let i = 0;
  let prev = outside;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if ((token.prefix & rules.allowed) === 0) {
      throw new SeqevalTagError(
        tags[i]!,
        sent,
        i,
        `seqeval ${scheme}: invalid tag ${JSON.stringify(tags[i])} at sentence ${sent}, position ${i}; ` +
          `allowed prefixes are ${prefixNames(rules.allowed)}`,
      );
    }
    if (matches(prev, token, rules.start)) {
      // Walk over the tokens that continue the chunk; the sentinel `O` never continues one, so this stops.
      let end = i + 1;
      let last = token;
      while (end < tokens.length && matches(last, tokens[end]!, rules.inside)) last = tokens[end++]!;
      if (end >= tokens.length) end = tags.length - 1;
      if (matches(tokens[end - 1]!, tokens[end]!, rules.end)) out.push({ sent, type: token.type, start: i, end });
      i = end;
    } else {
      i += 1;
    }
    prev = tokens[i - 1]!;
  }
  return out;
}

/**
 * Strict-mode entities of a list of sentences (seqeval's `Entities(sequences, scheme)`), in sentence order.
 *
 * @param seqs one tag list per sentence
 * @param scheme 'IOB1' | 'IOB2' | 'IOE1' | 'IOE2' | 'IOBES' | 'BILOU'
 * @param options `suffix: true` reads tags written as `PER-B`
 * @returns `{ sent, type, start, end }` with `end` exclusive; throws `SeqevalTagError` on a tag the scheme forbids
 * @example
 * extractEntities([['B-PER', 'I-PER', 'O', 'I-LOC']], 'IOB2'); // [{ sent: 0, type: 'PER', start: 0, end: 2 }]
 */
export function extractEntities(seqs: readonly (readonly string[])[], scheme: Scheme, options: { suffix?: boolean } = {}): StrictEntity[] {
  if (!Object.hasOwn(SCHEME_RULES, scheme)) {
    throw new ConfigError(
      'extractEntities',
      [],
      `extractEntities: unknown scheme ${JSON.stringify(scheme)}; expected one of ${Object.keys(SCHEME_RULES).join(', ')}`,
    );
  }
  return seqs.flatMap((tags, sent) => sentenceEntities(tags, scheme, options.suffix ?? false, sent));
}
