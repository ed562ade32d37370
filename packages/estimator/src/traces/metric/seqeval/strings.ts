/**
 * Python-compatible string helpers for seqeval: Python indexes and sorts strings by code point, JavaScript by UTF-16
 * unit; these give Python's answer for every string, astral characters included.
 */

/** The first code point of `s` as a string (Python `s[0]`), or undefined for an empty string. */
export function firstChar(s: string): string | undefined {
  const cp = s.codePointAt(0);
  return cp === undefined ? undefined : String.fromCodePoint(cp);
}

/** The last code point of `s` as a string (Python `s[-1]`), or undefined for an empty string. */
export function lastChar(s: string): string | undefined {
  if (s.length === 0) return undefined;
  const low = s.charCodeAt(s.length - 1);
  if (low >= 0xdc00 && low <= 0xdfff && s.length >= 2) {
    const high = s.charCodeAt(s.length - 2);
    if (high >= 0xd800 && high <= 0xdbff) return s.slice(-2);
  }
  return s.slice(-1);
}

/** `s` without its first code point (Python `s[1:]`). */
export function dropFirst(s: string): string {
  const c = firstChar(s);
  return c === undefined ? s : s.slice(c.length);
}

/** `s` without its last code point (Python `s[:-1]`). */
export function dropLast(s: string): string {
  const c = lastChar(s);
  return c === undefined ? s : s.slice(0, s.length - c.length);
}

/** Python `s.strip(chars)` for a set of single-unit characters (used with the delimiter `-`). */
export function stripChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Python's `str` ordering (code point by code point), for `sorted()` of entity type names. */
export function comparePython(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
