import { z } from 'zod';
import { opOptionsSchema, type DataDict } from '../core/op.js';
import type { DeleteSig } from '../core/keyGraph.js';
import { NumpyOp, type PipelineState } from './numpyOp.js';

/** Options of {@link LambdaOp}. */
export const lambdaOpOptions = opOptionsSchema.extend({
  /** Called with the input value(s) spread as arguments, then the state; returns the output value(s). */
  fn: z.custom<(...args: any[]) => unknown>((v) => typeof v === 'function', 'expected a function'),
});
/** Options of {@link LambdaOp} (see {@link lambdaOpOptions}). */
export type LambdaOpOptions = z.input<typeof lambdaOpOptions>;

/**
 * A per-sample op from a function: `fn(...inputValues, state)` returns the output value (or a list, for several outputs).
 *
 * @example
 * new LambdaOp({ fn: (words: string[]) => words.length, inputs: 'words', outputs: 'numWords' });
 */
export class LambdaOp<const O extends LambdaOpOptions = LambdaOpOptions> extends NumpyOp<typeof lambdaOpOptions, O> {
  readonly fn: (...args: any[]) => unknown;

  constructor(options: O) {
    super(options, lambdaOpOptions);
    this.fn = this.options.fn;
  }

  override forward(data: unknown, state: PipelineState): unknown {
    return this.inputs.length <= 1 ? this.fn(...(this.inputs.length === 1 ? [data] : []), state) : this.fn(...(data as unknown[]), state);
  }
}

/** Options of {@link Delete}: the keys to remove (`inputs`), and where it runs. */
export const deleteOptions = opOptionsSchema.omit({ outputs: true });
/** Options of {@link Delete} (see {@link deleteOptions}). */
export type DeleteOptions = z.input<typeof deleteOptions>;

/**
 * Removes keys from the data dictionary (e.g. raw text no longer needed after tokenizing).
 *
 * @example
 * new Delete({ inputs: ['words', 'tags'] });
 */
export class Delete<const O extends DeleteOptions = DeleteOptions> extends NumpyOp<typeof deleteOptions, O> {
  declare readonly '~sig': DeleteSig<O>;
  constructor(options: O) {
    super(options, deleteOptions);
  }

  /** Returns nothing: `apply` deletes the input keys. */
  override forward(): undefined {
    return undefined;
  }

  override apply(data: DataDict): undefined {
    for (const k of this.inputs) delete data[k];
    return undefined;
  }
}
