import { z } from 'zod';
import { opOptionsSchema, type OpOptions } from '../core/op.js';
import { parseOptions } from '../core/options.js';
import { FilteredData, NumpyOp, type PipelineState } from './numpyOp.js';

const schema = opOptionsSchema
  .extend({
    fn: z.custom<(...args: any[]) => boolean>((v) => typeof v === 'function', 'expected a function'),
    replacement: z.boolean().default(true),
  })
  .omit({ outputs: true })
  .strict();

/** Options of {@link RemoveIf}. */
export interface RemoveIfOptions extends Omit<OpOptions, 'outputs'> {
  /** Called with the input value(s); true drops the sample. */
  fn: (...args: any[]) => boolean;
  /** Draw another sample in place of a dropped one so the epoch keeps its length (default true, as FE). */
  replacement?: boolean;
}

/**
 * Drops samples for which `fn` is true (FastEstimator's RemoveIf). With `replacement` (default) the Pipeline draws
 * another random sample in its place, so an epoch keeps its number of steps.
 *
 * @example
 * new RemoveIf({ fn: (words: string[]) => words.length === 0, inputs: 'words', replacement: false });
 */
export class RemoveIf extends NumpyOp {
  readonly fn: (...args: any[]) => boolean;
  readonly replacement: boolean;

  constructor(options: RemoveIfOptions) {
    const o = parseOptions('RemoveIf', schema, options);
    super(o);
    this.fn = o.fn;
    this.replacement = o.replacement;
  }

  override forward(data: unknown, _state: PipelineState): FilteredData | undefined {
    const args = this.inputs.length === 1 ? [data] : (data as unknown[]);
    return this.fn(...args) ? new FilteredData(this.replacement) : undefined;
  }
}
