import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError, DataFileError, DataFormatError } from '../core/errors.js';
import { nearestName, parseOptions } from '../core/options.js';
import { isNumericColumn, parseCsv } from '../io/csv.js';
import { decodeUtf8 } from '../io/lines.js';
import { NumpyDataset } from './numpyDataset.js';

const csvOptionsSchema = z.strictObject({
  delimiter: z
    .string()
    .length(1)
    .refine((d) => d !== '"' && d !== '\n' && d !== '\r', 'expected a character other than a quote or line break')
    .default(','),
  header: z.boolean().default(true),
  columns: z.array(z.string().min(1)).min(1).optional(),
  numeric: z.union([z.literal('auto'), z.literal(false)]).default('auto'),
});

/** Options of {@link CSVDataset}. */
export type CSVDatasetOptions = z.input<typeof csvOptionsSchema>;

/**
 * A map-style data set from a CSV file (RFC 4180 quoting: quoted fields, doubled quotes, line breaks inside quotes),
 * loaded into memory (FastEstimator's CSVDataset). Each row becomes `{ column: value }`.
 *
 * - `header: true` (default): the first row names the columns; `columns` then picks (and orders) the ones to keep.
 * - `header: false`: `columns` names the fields (default `column0`, `column1`, …).
 * - `numeric: 'auto'` (default): a column whose non-empty values all parse as numbers becomes numbers (empty → NaN);
 *   `false` keeps every value a string.
 *
 * A row with the wrong number of fields is a DataFormatError: `file:line: expected N columns, got M: "<line>"`.
 *
 * @example
 * const ds = new CSVDataset('iris.csv');          // header row, numeric columns detected
 * ds.get(0);                                      // { sepal_length: 5.1, …, species: 'setosa' }
 */
export class CSVDataset extends NumpyDataset {
  /** Path of the file. */
  readonly file: string;

  constructor(file: string, options: CSVDatasetOptions = {}) {
    super(CSVDataset.#load(file, parseOptions(new.target.name, csvOptionsSchema, options)));
    this.file = file;
  }

  static #load(file: string, o: z.output<typeof csvOptionsSchema>): Record<string, unknown[]> {
    if (typeof file !== 'string' || !fs.existsSync(file)) throw new DataFileError('CSVDataset', String(file), 'file not found');
    const text = decodeUtf8(fs.readFileSync(file), file);
    const records = parseCsv(text, o.delimiter, file);
    if (records.length === 0) {
      const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      throw new DataFormatError(
        `${lines === 0 ? 'the file is empty' : 'the file holds only blank lines'} (expected a header row or data rows)`,
        file,
        Math.max(1, lines),
      );
    }
    if (o.header && records.length === 1) {
      throw new DataFormatError(`a header row but no data rows: ${JSON.stringify(records[0]!.raw)}`, file, records[0]!.line);
    }
    let names: string[];
    let rows = records;
    if (o.header) {
      names = records[0]!.fields;
      rows = records.slice(1);
      const seen = new Set<string>();
      for (const name of names) {
        if (seen.has(name))
          throw new DataFormatError(`duplicate column name ${JSON.stringify(name)} in the header`, file, records[0]!.line);
        seen.add(name);
      }
    } else {
      const width = records[0]!.fields.length;
      names = o.columns ?? Array.from({ length: width }, (_, i) => `column${i}`);
      if (names.length !== width) {
        throw new ConfigError(
          'CSVDataset',
          [],
          `CSVDataset: columns: ${names.length} names given but the rows of ${file} have ${width} fields`,
        );
      }
    }
    const width = names.length;
    for (const r of rows) {
      if (r.fields.length !== width) {
        throw new DataFormatError(`expected ${width} columns, got ${r.fields.length}: ${JSON.stringify(r.raw)}`, file, r.line);
      }
    }
    const keep = o.header && o.columns ? o.columns : names;
    const out: Record<string, unknown[]> = {};
    for (const name of keep) {
      const at = names.indexOf(name);
      if (at === -1) {
        const near = nearestName(name, names);
        throw new ConfigError(
          'CSVDataset',
          [],
          `CSVDataset: columns: no column ${JSON.stringify(name)} in ${file}${near ? `, did you mean "${near}"?` : ''} (header: ${names.join(', ')})`,
        );
      }
      const values = rows.map((r) => r.fields[at]!);
      out[name] = o.numeric === 'auto' && isNumericColumn(values) ? values.map((v) => (v === '' ? NaN : Number(v))) : values;
    }
    return out;
  }
}
