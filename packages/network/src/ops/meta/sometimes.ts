import { z } from 'zod';
import { parseOptions, type DataDict, metaKeys, type MetaSig, type SigOf } from '@fets/pipeline';
import { TensorOp } from '../tensorOp.js';
import type { StepState } from '../../stepState.js';

const sometimesSchema = z.strictObject({
  op: z.custom<TensorOp>((v) => v instanceof TensorOp, 'expected a TensorOp'),
  prob: z.number().min(0).max(1).default(0.5),
});

/** Options of {@link Sometimes}. */
export type SometimesOptions = z.input<typeof sometimesSchema>;

/**
 * Runs `op` on a batch with probability `prob`, else leaves the batch as it is (FastEstimator's `Sometimes`). Runs in
 * `op`'s modes. Because the op may be skipped, its output keys must already exist: they count as inputs.
 *
 * @example
 * new Sometimes({ op: new LambdaOp({ fn: (x) => tf.neg(x), inputs: 'x', outputs: 'x' }), prob: 0.3 });
 */
export class Sometimes<const O extends SometimesOptions = SometimesOptions> extends TensorOp {
  declare readonly '~sig': MetaSig<SigOf<O['op']>>;
  readonly op: TensorOp;
  readonly prob: number;

  constructor(options: O) {
    const o = parseOptions(new.target.name, sometimesSchema, options);
    super(metaKeys('Sometimes', [o.op]));
    this.op = o.op;
    this.prob = o.prob;
  }

  /** Returns the inputs unchanged: `apply` decides whether the inner op runs. */
  override forward(data: unknown): unknown {
    return data;
  }

  override apply(data: DataDict, state: StepState): void {
    if (state.random() < this.prob) this.op.apply(data, state);
  }

  override get innerOps(): readonly TensorOp[] {
    return [this.op];
  }
}
