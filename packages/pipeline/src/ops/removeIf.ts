import { z } from 'zod';
import { opOptionsSchema } from '../core/op.js';
import { FilteredData, NumpyOp, type PipelineState } from './numpyOp.js';

/** Options of {@link RemoveIf}. */
export const removeIfOptions = opOptionsSchema.omit({ outputs: true }).extend({
  /** Called with the input value(s); true drops the sample. */
  fn: z.custom<(...args: any[]) => boolean>((v) => typeof v === 'function', 'expected a function'),
  /** Draw another sample in place of a dropped one so the epoch keeps its length (default true, as FE). */
  replacement: z.boolean().default(true),
});
/** Options of {@link RemoveIf} (see {@link removeIfOptions}). */
export type RemoveIfOptions = z.input<typeof removeIfOptions>;

/**
 * Drops samples for which `fn` is true (FastEstimator's RemoveIf). With `replacement` (default) the Pipeline draws
 * another random sample in its place, so an epoch keeps its number of steps.
 *
 * @example
 * new RemoveIf({ fn: (words: string[]) => words.length === 0, inputs: 'words', replacement: false });
 */
export class RemoveIf<const O extends RemoveIfOptions = RemoveIfOptions> extends NumpyOp<typeof removeIfOptions, O> {
  readonly fn: (...args: any[]) => boolean;
  readonly replacement: boolean;

  constructor(options: O) {
    super(options, removeIfOptions);
    const o = this.options;
    this.fn = o.fn;
    this.replacement = o.replacement;
  }

  override forward(data: unknown, _state: PipelineState): FilteredData | undefined {
    const args = this.inputs.length === 1 ? [data] : (data as unknown[]);
    return this.fn(...args) ? new FilteredData(this.replacement) : undefined;
  }
}
