import fs from 'node:fs';
import { z } from 'zod';
import { DataFileError, DataFormatError, FetsError } from '../core/errors.js';
import type { DataDict } from '../core/op.js';
import { parseOptions } from '../core/options.js';
import { countNonBlankLines, readLines } from '../io/lines.js';
import { IterableDataset } from './dataset.js';

const jsonlOptionsSchema = z.strictObject({
  keys: z.array(z.string().min(1)).min(1).optional(),
  chunkSize: z
    .number()
    .int()
    .min(4)
    .default(1 << 16),
});

/** Options of {@link JSONLDataset}. */
export type JSONLDatasetOptions = z.input<typeof jsonlOptionsSchema>;

/**
 * A streaming data set over a JSON-lines file: one JSON object per line, read in chunks with bounded memory, never
 * loaded whole. Blank lines are skipped. A line that is not valid JSON, or not an object, gives a DataFormatError at
 * `file:line`. With `keys`, each sample holds exactly those keys (a record missing one is an error); without, each
 * sample is the whole record. `length` counts the non-blank lines the first time it is read (a sequential scan),
 * never before.
 *
 * @example
 * const ds = new JSONLDataset('train.jsonl', { keys: ['words', 'tags'] });
 * for await (const s of ds.iterate()) console.log(s.words);
 */
export class JSONLDataset extends IterableDataset {
  /** Path of the file. */
  readonly file: string;
  readonly #options: z.output<typeof jsonlOptionsSchema>;
  #length: number | undefined;

  constructor(file: string, options: JSONLDatasetOptions = {}) {
    super();
    this.#options = parseOptions(new.target.name, jsonlOptionsSchema, options);
    if (typeof file !== 'string' || !fs.existsSync(file)) {
      throw new DataFileError('JSONLDataset', String(file), 'file not found');
    }
    this.file = file;
  }

  /** Number of records (non-blank lines), counted on first access with a chunked scan of the file. */
  override get length(): number {
    try {
      this.#length ??= countNonBlankLines(this.file, this.#options.chunkSize);
    } catch (e) {
      throw DataFileError.fromFs('JSONLDataset', this.file, e);
    }
    return this.#length;
  }

  override keys(): string[] | undefined {
    return this.#options.keys === undefined ? undefined : [...this.#options.keys];
  }

  /**
   * One pass over the file, record by record. A file with no record (empty, or only blank lines) is a
   * DataFormatError; a file deleted since the data set was created is a DataFileError naming it. A file deleted while
   * a pass reads it is read to its end (the open handle keeps it), so the pass completes; the next pass fails.
   */
  async *iterate(): AsyncGenerator<DataDict> {
    const keys = this.#options.keys;
    let records = 0;
    let lines = 0;
    const it = readLines(this.file, { chunkSize: this.#options.chunkSize })[Symbol.asyncIterator]();
    try {
      for (;;) {
        let r: IteratorResult<{ text: string; line: number }>;
        try {
          r = await it.next();
        } catch (e) {
          if (e instanceof FetsError) throw e;
          throw DataFileError.fromFs('JSONLDataset', this.file, e);
        }
        if (r.done) break;
        const { text, line } = r.value;
        lines = line;
        if (text.trim() === '') continue;
        records++;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          throw new DataFormatError(`invalid JSON (${(e as Error).message}): ${quote(text)}`, this.file, line);
        }
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new DataFormatError(`expected a JSON object per line, got ${quote(text)}`, this.file, line);
        }
        const record = value as DataDict;
        if (keys === undefined) {
          yield record;
          continue;
        }
        const sample: DataDict = {};
        for (const k of keys) {
          if (!Object.hasOwn(record, k)) {
            throw new DataFormatError(`missing key "${k}" (record has: ${Object.keys(record).join(', ')})`, this.file, line);
          }
          sample[k] = record[k];
        }
        yield sample;
      }
    } finally {
      await it.return?.(undefined);
    }
    if (records === 0) {
      throw new DataFormatError(
        `no records: the file ${lines === 0 ? 'is empty' : 'holds only blank lines'}`,
        this.file,
        Math.max(1, lines),
      );
    }
  }
}

function quote(text: string, max = 80): string {
  const s = JSON.stringify(text);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
