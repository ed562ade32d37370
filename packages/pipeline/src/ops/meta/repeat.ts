import { metaKeys } from '../../core/metaKeys.js';
import { z } from 'zod';
import type { DataDict } from '../../core/op.js';
import type { MetaSig, SigOf } from '../../core/keyGraph.js';
import { OpError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import { type FilteredData, NumpyOp, gatherInputs, type PipelineState } from '../numpyOp.js';

const schema = z.strictObject({
  op: z.custom<NumpyOp>((v) => v instanceof NumpyOp, 'expected a NumpyOp'),
  repeat: z.union([z.number().int().min(1), z.custom<(...a: any[]) => boolean>((v) => typeof v === 'function')]).default(1),
  maxRepeat: z.number().int().min(1).default(10_000),
});

/** Options of {@link Repeat}. */
export type RepeatOptions = { op: NumpyOp; repeat?: number | ((...a: any[]) => boolean); maxRepeat?: number };

/**
 * Applies an op several times in a row: a fixed count, or while `repeat(...inputValues)` returns true (checked before
 * each application, at most `maxRepeat` times). The op's outputs must feed its inputs.
 *
 * @example
 * new Repeat({ op: new Shift({ inputs: 'x', outputs: 'x' }), repeat: 3 });
 */
export class Repeat<const O extends RepeatOptions = RepeatOptions> extends NumpyOp {
  declare readonly '~sig': MetaSig<SigOf<O['op']>>;
  readonly op: NumpyOp;
  readonly repeat: number | ((...a: any[]) => boolean);
  readonly maxRepeat: number;

  constructor(options: O) {
    const o = parseOptions(new.target.name, schema, options);
    super(metaKeys('Repeat', [o.op]));
    this.op = o.op;
    this.repeat = o.repeat;
    this.maxRepeat = o.maxRepeat;
  }

  override forward(): never {
    throw new OpError('Repeat', undefined, 'call apply() on the data dictionary');
  }

  override apply(data: DataDict, state: PipelineState): FilteredData | undefined {
    for (let i = 0; i < this.maxRepeat; i++) {
      if (typeof this.repeat === 'number') {
        if (i >= this.repeat) break;
      } else {
        const args = gatherInputs(this.op, data);
        if (!this.repeat(...(this.op.inputs.length === 1 ? [args] : (args as unknown[])))) break;
      }
      const r = this.op.apply(data, state);
      if (r) return r;
    }
    return undefined;
  }
}
