import { getEntities } from './chunks.js';
import { extractEntities } from './entities.js';
import type { Scheme } from './schemes.js';

/** One entity span of a sentence: word indices (`last` inclusive, as Hugging Face's pipeline) and its words. */
export interface EntitySpan {
  type: string;
  first: number;
  last: number;
  text: string;
}

/**
 * The entity spans of one sentence's tags, in word order, read as seqeval reads them: `strict` by the scheme's rules
 * (seqeval's `Entities`), `default` by conlleval's lenient chunks. What TagPredictions writes, `fets predict` prints and
 * the web page highlights.
 *
 * @example
 * entitySpans(['tom', 'hanks', 'films'], ['B-ACTOR', 'I-ACTOR', 'O']); // [{ type: 'ACTOR', first: 0, last: 1, text: 'tom hanks' }]
 */
export function entitySpans(
  words: readonly string[],
  tags: readonly string[],
  mode: 'strict' | 'default' = 'strict',
  scheme: Scheme = 'IOB2',
): EntitySpan[] {
  const raw =
    mode === 'strict'
      ? extractEntities([tags], scheme).map((e) => ({ type: e.type, first: e.start, last: e.end - 1 }))
      : getEntities(tags).map((e) => ({ type: e.type, first: e.start, last: e.end }));
  return raw.sort((a, b) => a.first - b.first).map((s) => ({ ...s, text: words.slice(s.first, s.last + 1).join(' ') }));
}
