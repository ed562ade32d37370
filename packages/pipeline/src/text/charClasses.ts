/**
 * Character classes of Google's BERT `BasicTokenizer` (google-research/bert tokenization.py), on Unicode code points.
 * ASCII goes through a lookup table; other code points through Unicode property regexes (rare in practice).
 */

/** Bit flags of the ASCII table. */
const WS = 1;
const CTRL = 2;
const PUNCT = 4;

const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) ASCII[c] = WS;
  else if (c < 0x20 || c === 0x7f) ASCII[c] = CTRL;
  else if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
    ASCII[c] = PUNCT;
  }
}

const ZS = /^\p{Zs}$/u;
const CC_CF = /^[\p{Cc}\p{Cf}]$/u;
const P = /^\p{P}$/u;
const MN = /\p{Mn}/gu;

/**
 * Whether `cp` is whitespace for BERT: space, tab, newline, carriage return, or category Zs.
 *
 * @example
 * isBertWhitespace(0x3000); // true (ideographic space)
 */
export function isBertWhitespace(cp: number): boolean {
  if (cp < 128) return (ASCII[cp]! & WS) !== 0;
  return ZS.test(String.fromCodePoint(cp));
}

/**
 * Whether `cp` is a control character for BERT: category Cc or Cf, except tab, newline and carriage return.
 *
 * @example
 * isBertControl(0x200b); // true (zero-width space, Cf)
 */
export function isBertControl(cp: number): boolean {
  if (cp < 128) return (ASCII[cp]! & CTRL) !== 0;
  return CC_CF.test(String.fromCodePoint(cp));
}

/**
 * Whether `cp` is punctuation for BERT: every non-alphanumeric printable ASCII character (33–47, 58–64, 91–96,
 * 123–126, so `$`, `^`, `` ` `` count), plus Unicode category P*.
 *
 * @example
 * isBertPunctuation('$'.codePointAt(0)!); // true
 */
export function isBertPunctuation(cp: number): boolean {
  if (cp < 128) return (ASCII[cp]! & PUNCT) !== 0;
  return P.test(String.fromCodePoint(cp));
}

/**
 * Whether `cp` is in a CJK Unified Ideographs block (the ranges the reference splits out as single tokens; Japanese
 * kana and Korean Hangul are not included, as in the reference).
 *
 * @example
 * isCjkChar('中'.codePointAt(0)!); // true
 */
export function isCjkChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * Whether `cp` separates tokens in Python's `str.split()` once text has been cleaned: the space, plus the line and
 * paragraph separators U+2028/U+2029 (categories Zl/Zp, which the reference's cleaning keeps but `split()` splits on).
 */
export function isSplitSpace(cp: number): boolean {
  return cp === 0x20 || cp === 0x2028 || cp === 0x2029;
}

/**
 * NFD-decomposes `text` and drops nonspacing marks (category Mn), as the reference's `_run_strip_accents`.
 *
 * @example
 * stripAccents('héllo'); // 'hello'
 */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(MN, '');
}

/** Whether every UTF-16 unit of `s` is ASCII. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/**
 * Whether `cp` is whitespace for Python's `str.split()` and `str.strip()`: Unicode White_Space plus the separators
 * U+001C–U+001F (the table Tokenize's default split and the vocabulary reader share).
 *
 * @example
 * isPythonSpace(0x1f); // true (unit separator)
 */
export function isPythonSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x1c && c <= 0x20) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}
