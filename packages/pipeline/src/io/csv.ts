import { DataFormatError } from '../core/errors.js';

/** One parsed CSV record: its fields, the 1-based line where it starts, and its raw text (for error messages). */
export interface CsvRecord {
  fields: string[];
  line: number;
  raw: string;
}

/**
 * Parses CSV text per RFC 4180: fields split by `delimiter`, records by LF or CRLF; a field wrapped in double quotes
 * may hold the delimiter, line breaks and doubled quotes (`""` → `"`). A quote inside an unquoted field is kept as
 * is. Empty lines are skipped. An unterminated quote or text after a closing quote is a DataFormatError at `file:line`.
 *
 * @example
 * parseCsv('a,b\n"x, y","say ""hi"""\n', ',', 'f.csv'); // [{fields: ['a','b'],…}, {fields: ['x, y', 'say "hi"'],…}]
 */
export function parseCsv(text: string, delimiter: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const startAt = i;
    const fields: string[] = [];
    let field = '';
    let endOfRecord = false;
    while (!endOfRecord) {
      if (text[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= n) throw new DataFormatError('unterminated quoted field', file, quoteLine);
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
          throw new DataFormatError(
            `unexpected ${JSON.stringify(next)} after a closing quote: ${JSON.stringify(text.slice(startAt, i + 1))}`,
            file,
            line,
          );
        }
      } else {
        while (i < n) {
          const c = text[i]!;
          if (c === delimiter || c === '\n' || (c === '\r' && text[i + 1] === '\n')) break;
          field += c;
          i++;
        }
      }
      fields.push(field);
      field = '';
      if (i >= n) {
        endOfRecord = true;
      } else if (text[i] === delimiter) {
        i++;
        if (i >= n) fields.push('');
        endOfRecord = i >= n;
      } else {
        i += text[i] === '\r' ? 2 : 1;
        line++;
        endOfRecord = true;
      }
    }
    const raw = text.slice(startAt, i).replace(/\r?\n$/, '');
    if (!(fields.length === 1 && fields[0] === '' && raw === '')) records.push({ fields, line: startLine, raw });
  }
  return records;
}

const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * Whether every non-empty value parses as a decimal number (and at least one does): the rule of `numeric: 'auto'`.
 *
 * @example
 * isNumericColumn(['1', '2.5', '', '-3e2']); // true
 */
export function isNumericColumn(values: readonly string[]): boolean {
  let any = false;
  for (const v of values) {
    if (v === '') continue;
    if (!NUMBER.test(v)) return false;
    any = true;
  }
  return any;
}
