import { z } from 'zod';
import { parseOptions, type DataDict, metaKeys, type MetaSig, type SigOf } from '@fets/pipeline';
import { TensorOp } from '../tensorOp.js';
import type { StepState } from '../../stepState.js';

const repeatSchema = z.strictObject({
  op: z.custom<TensorOp>((v) => v instanceof TensorOp, 'expected a TensorOp'),
  repeat: z.number().int().min(1).default(1),
});

/** Options of {@link Repeat}. */
export type RepeatOptions = z.input<typeof repeatSchema>;

/**
 * Applies an op `repeat` times in a row (FastEstimator's `Repeat`); each application reads what the previous one wrote,
 * so the op's outputs must be among its inputs.
 *
 * @example
 * new Repeat({ op: new LambdaOp({ fn: (x) => tf.mul(x, 2), inputs: 'x', outputs: 'x' }), repeat: 3 }); // x·8
 */
export class Repeat<const O extends RepeatOptions = RepeatOptions> extends TensorOp {
  declare readonly '~sig': MetaSig<SigOf<O['op']>>;
  readonly op: TensorOp;
  readonly repeat: number;

  constructor(options: O) {
    const o = parseOptions(new.target.name, repeatSchema, options);
    super(metaKeys('Repeat', [o.op]));
    this.op = o.op;
    this.repeat = o.repeat;
  }

  /** Applies the inner op's `forward` `repeat` times to the input(s). */
  override forward(data: unknown, state: StepState): unknown {
    const d: DataDict = {};
    this.inputs.forEach((k, i) => (d[k] = this.inputs.length === 1 ? data : (data as unknown[])[i]));
    this.apply(d, state);
    return this.outputs.length === 1 ? d[this.outputs[0]!] : this.outputs.map((k) => d[k]);
  }

  override apply(data: DataDict, state: StepState): void {
    for (let i = 0; i < this.repeat; i++) this.op.apply(data, state);
  }

  override get innerOps(): readonly TensorOp[] {
    return [this.op];
  }
}
