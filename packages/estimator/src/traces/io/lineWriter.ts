import { z } from 'zod';

/** Where a trace prints its one-line notices (`FastEstimator-EarlyStopping: ...`); default: standard output. */
export type LineWriter = (line: string) => void;

/** Schema of a trace's optional `write` option. */
export const lineWriterSchema = z
  .custom<LineWriter>((v) => typeof v === 'function', 'expected a function (line: string) => void')
  .optional();

/** The writer to use: the given one, or one line to standard output. */
export function resolveWriter(write: LineWriter | undefined): LineWriter {
  return write ?? ((line) => process.stdout.write(`${line}\n`));
}
