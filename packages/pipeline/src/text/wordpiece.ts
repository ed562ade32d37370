/**
 * Greedy longest-match-first WordPiece (the reference's `WordpieceTokenizer.tokenize` for one basic token), working on
 * code points as Python does: a surrogate pair is one character, never split, and counts once towards the limit.
 */
export interface WordPieceVocab {
  /** Token → id (continuation pieces carry their `##` prefix). */
  readonly vocab: ReadonlyMap<string, number>;
  /** Id pushed for a word that is too long or cannot be matched. */
  readonly unkId: number;
  /** Words with more code points than this become a single unknown token (reference: 100). */
  readonly maxInputCharsPerWord: number;
  /** Longest vocabulary entry in UTF-16 units, `##` removed: longer candidates are skipped without a lookup. */
  readonly maxPieceLength: number;
}

/** Longest key of `vocab` in UTF-16 units, with a leading `##` not counted. */
export function maxPieceLength(vocab: ReadonlyMap<string, number>): number {
  let max = 0;
  for (const k of vocab.keys()) {
    const len = k.startsWith('##') ? k.length - 2 : k.length;
    if (len > max) max = len;
  }
  return max;
}

/** Code-unit offsets of each code point of `token` plus its end, or null when it has no surrogate pair. */
function codePointOffsets(token: string): number[] | null {
  let surrogates = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      surrogates = true;
      break;
    }
  }
  if (!surrogates) return null;
  const offsets: number[] = [];
  let i = 0;
  while (i < token.length) {
    offsets.push(i);
    const c = token.charCodeAt(i);
    const next = i + 1 < token.length ? token.charCodeAt(i + 1) : 0;
    i += c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  offsets.push(token.length);
  return offsets;
}

/**
 * Appends the WordPiece ids of one basic token (no whitespace inside) to `out`: greedy longest prefix in the vocab,
 * then `##`-prefixed continuations; the unknown id alone if the token is too long or some remainder has no match.
 *
 * @example
 * const out: number[] = [];
 * wordPieceIds('unaffable', wp, out); // ids of ['una', '##ffa', '##ble'] with a matching vocab
 */
export function wordPieceIds(token: string, wp: WordPieceVocab, out: number[]): void {
  const offsets = codePointOffsets(token);
  const n = offsets === null ? token.length : offsets.length - 1;
  if (n > wp.maxInputCharsPerWord) {
    out.push(wp.unkId);
    return;
  }
  const { vocab, maxPieceLength: maxLen } = wp;
  const first = out.length;
  let start = 0;
  while (start < n) {
    const from = offsets === null ? start : offsets[start]!;
    let end = n;
    let id: number | undefined;
    while (start < end) {
      const to = offsets === null ? end : offsets[end]!;
      if (to - from <= maxLen) {
        const piece = from === 0 && to === token.length ? token : token.slice(from, to);
        id = vocab.get(start > 0 ? `##${piece}` : piece);
        if (id !== undefined) break;
      }
      end--;
    }
    if (id === undefined) {
      out.length = first;
      out.push(wp.unkId);
      return;
    }
    out.push(id);
    start = end;
  }
}
