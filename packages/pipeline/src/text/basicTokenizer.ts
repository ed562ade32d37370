import { isAscii, isBertControl, isBertPunctuation, isBertWhitespace, isCjkChar, isSplitSpace, stripAccents } from './charClasses.js';

/** Options of {@link basicTokenize}. */
export interface BasicTokenizeOptions {
  /** Lower-case each whitespace-separated token (as Python's `str.lower()`, so a word-final `Σ` becomes `ς`). */
  readonly lowercase: boolean;
  /** NFD-decompose and drop nonspacing marks (Mn) after lower-casing. */
  readonly stripAccents: boolean;
  /**
   * Lower-case character by character instead (`Σ` → `σ` everywhere), as Hugging Face's Rust `tokenizers`
   * BertNormalizer does. Default false: the Python reference applies the final-sigma rule.
   */
  readonly charwiseLowercase?: boolean;
}

/** The reference's `_clean_text` and `_tokenize_chinese_chars` in one pass. */
function cleanText(text: string): string {
  if (isAscii(text)) {
    let clean = true;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === 0x7f) {
        clean = false;
        break;
      }
    }
    if (clean) return text;
  }
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isBertControl(cp)) continue;
    if (isBertWhitespace(cp)) out += ' ';
    else if (isCjkChar(cp)) out += ` ${ch} `;
    else out += ch;
  }
  return out;
}

/** Python's `str.split()` on cleaned text: splits on space and U+2028/U+2029, drops empty pieces. */
function splitSpaces(text: string, out: string[]): void {
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSplitSpace(c)) {
      if (start >= 0) out.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(text.slice(start));
}

/** Lower-cases one code point at a time (no final-sigma context). */
function lowerCharwise(token: string): string {
  let out = '';
  for (const ch of token) out += ch.toLowerCase();
  return out;
}

/** The reference's `_run_split_on_punc`: every punctuation character becomes its own token. */
function splitOnPunctuation(token: string, out: string[]): void {
  let start = 0;
  let i = 0;
  while (i < token.length) {
    const cp = token.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (isBertPunctuation(cp)) {
      if (i > start) out.push(token.slice(start, i));
      out.push(token.slice(i, i + width));
      start = i + width;
    }
    i += width;
  }
  if (start < token.length) out.push(token.slice(start));
}

/**
 * Google BERT's `BasicTokenizer.tokenize`: cleans text (drops NUL, U+FFFD and control characters, maps whitespace to
 * spaces), puts spaces around CJK ideographs, splits on whitespace, lower-cases and strips accents per token when
 * asked, and splits punctuation off. Returns the basic tokens that WordPiece then splits further.
 *
 * @example
 * basicTokenize('Héllo, wörld!', { lowercase: true, stripAccents: true }); // ['hello', ',', 'world', '!']
 */
export function basicTokenize(text: string, options: BasicTokenizeOptions, out: string[] = []): string[] {
  const pieces: string[] = [];
  splitSpaces(cleanText(text), pieces);
  for (let token of pieces) {
    const ascii = isAscii(token);
    if (options.lowercase) {
      token = !ascii && options.charwiseLowercase && token.includes('Σ') ? lowerCharwise(token) : token.toLowerCase();
    }
    if (options.stripAccents && !ascii) token = stripAccents(token);
    if (token.length > 0) splitOnPunctuation(token, out);
  }
  return out;
}
