import { z } from 'zod';
import { opOptionsSchema, type DataDict, type OpOptions } from '../core/op.js';
import { parseOptions } from '../core/options.js';
import { NumpyOp, type PipelineState } from './numpyOp.js';

const lambdaSchema = opOptionsSchema.extend({ fn: z.custom<(...args: any[]) => unknown>((v) => typeof v === 'function', 'expected a function') }).strict();

/** Options of {@link LambdaOp}. */
export interface LambdaOpOptions extends OpOptions {
  /** Called with the input value(s) spread as arguments, then the state; returns the output value(s). */
  fn: (...args: any[]) => unknown;
}

/**
 * A per-sample op from a function: `fn(...inputValues, state)` returns the output value (or a list, for several outputs).
 *
 * @example
 * new LambdaOp({ fn: (words: string[]) => words.length, inputs: 'words', outputs: 'numWords' });
 */
export class LambdaOp extends NumpyOp {
  readonly fn: (...args: any[]) => unknown;

  constructor(options: LambdaOpOptions) {
    const o = parseOptions('LambdaOp', lambdaSchema, options);
    super(o);
    this.fn = o.fn;
  }

  override forward(data: unknown, state: PipelineState): unknown {
    return this.inputs.length <= 1
      ? this.fn(...(this.inputs.length === 1 ? [data] : []), state)
      : this.fn(...(data as unknown[]), state);
  }
}

const deleteSchema = opOptionsSchema.omit({ outputs: true }).strict();

/**
 * Removes keys from the data dictionary (e.g. raw text no longer needed after tokenizing).
 *
 * @example
 * new Delete({ inputs: ['words', 'tags'] });
 */
export class Delete extends NumpyOp {
  constructor(options: Omit<OpOptions, 'outputs'>) {
    super(parseOptions('Delete', deleteSchema, options));
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
