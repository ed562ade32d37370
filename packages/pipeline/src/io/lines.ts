import fs from 'node:fs';
import { DataFormatError } from '../core/errors.js';

const NEWLINE = 0x0a;
const fatal = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

function hasBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Decodes one line's bytes (no newline) strictly, else a DataFormatError at `file:line`. */
function decodeLine(bytes: Uint8Array, file: string, line: number): string {
  try {
    return fatal.decode(bytes);
  } catch {
    throw new DataFormatError(`invalid UTF-8: ${JSON.stringify(lenient.decode(bytes))}`, file, line);
  }
}

/** Removes a trailing carriage return (CRLF files). */
function chompCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/**
 * Decodes a whole file's bytes as strict UTF-8 (a leading byte-order mark is dropped). Invalid bytes give a
 * DataFormatError naming `file:line` of the first bad line.
 *
 * @example
 * const text = decodeUtf8(fs.readFileSync(path), path);
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return fatal.decode(bytes); // the decoder strips a BOM itself
  } catch {
    let start = hasBom(bytes) ? 3 : 0;
    for (let line = 1; start <= bytes.length; line++) {
      let end = bytes.indexOf(NEWLINE, start);
      if (end === -1) end = bytes.length;
      decodeLine(bytes.subarray(start, end), file, line);
      start = end + 1;
    }
    throw new DataFormatError('invalid UTF-8', file, 1);
  }
}

/**
 * Splits text into lines on LF or CRLF (no trailing empty line for a final newline).
 *
 * @example
 * splitLines('a\r\nb\n'); // ['a', 'b']
 */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map(chompCr);
}

/** One line of a file: its text (without the line ending) and its 1-based number. */
export interface NumberedLine {
  text: string;
  line: number;
}

/**
 * Reads a text file line by line with bounded memory (one chunk plus one line at a time): strict UTF-8 per line,
 * BOM dropped, LF or CRLF endings, 1-based line numbers.
 *
 * @example
 * for await (const { text, line } of readLines('data.jsonl')) console.log(line, text);
 */
export async function* readLines(file: string, options: { chunkSize?: number } = {}): AsyncGenerator<NumberedLine> {
  const stream = fs.createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 16 });
  let pending: Uint8Array[] = []; // pieces of the current line (a long line spans chunks without re-copying)
  let head: Uint8Array | undefined = new Uint8Array(0); // the first bytes, until the BOM question is settled
  let line = 0;
  /** Yields the lines `buf` completes (joined with the pieces pending from earlier chunks); keeps the rest pending. */
  function* complete(buf: Uint8Array): Generator<NumberedLine> {
    let start = 0;
    for (let end = buf.indexOf(NEWLINE); end !== -1; end = buf.indexOf(NEWLINE, start)) {
      const piece = buf.subarray(start, end);
      const bytes = pending.length ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      line++;
      yield { text: chompCr(decodeLine(bytes, file, line)), line };
      start = end + 1;
    }
    if (start < buf.length) pending.push(buf.subarray(start));
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let buf: Uint8Array = chunk;
      if (head !== undefined) {
        buf = head.length ? Buffer.concat([head, chunk]) : chunk;
        if (buf.length < 3) {
          head = buf;
          continue;
        }
        if (hasBom(buf)) buf = buf.subarray(3);
        head = undefined;
      }
      yield* complete(buf);
    }
    // A file shorter than a BOM never left `head`: split it like any chunk.
    if (head !== undefined && head.length > 0) yield* complete(hasBom(head) ? head.subarray(3) : head);
    const rest = pending.length ? Buffer.concat(pending) : new Uint8Array(0);
    if (rest.length > 0) {
      line++;
      yield { text: chompCr(decodeLine(rest, file, line)), line };
    }
  } finally {
    stream.destroy();
  }
}

/**
 * Counts the lines of a file that are not blank (only spaces, tabs, CR; a leading BOM ignored), reading it in chunks synchronously with
 * bounded memory.
 *
 * @example
 * countNonBlankLines('data.jsonl'); // number of records in a JSON-lines file
 */
export function countNonBlankLines(file: string, chunkSize = 1 << 16): number {
  const fd = fs.openSync(file, 'r');
  const size = Math.max(4, chunkSize);
  const buf = Buffer.alloc(size);
  let count = 0;
  let blank = true;
  let first = true;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, size, null);
      if (n === 0) break;
      const from = first && n >= 3 && hasBom(buf) ? 3 : 0;
      first = false;
      for (let i = from; i < n; i++) {
        const b = buf[i]!;
        if (b === NEWLINE) {
          if (!blank) count++;
          blank = true;
        } else if (b !== 0x20 && b !== 0x09 && b !== 0x0d) {
          blank = false;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return blank ? count : count + 1;
}
