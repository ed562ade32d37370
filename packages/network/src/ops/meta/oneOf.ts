import { ConfigError, type DataDict, metaKeys, type SigOf } from '@fets/pipeline';
import { TensorOp } from '../tensorOp.js';
import type { StepState } from '../../stepState.js';

/**
 * Applies one of several ops per batch, chosen uniformly at random (FastEstimator's `OneOf`). All ops must read and
 * write the same keys and run in the same modes.
 *
 * @example
 * new OneOf(new Reshape({ inputs: 'x', outputs: 'x', shape: [-1, 8] }), new LambdaOp({ fn: (x) => x, inputs: 'x', outputs: 'x' }));
 */
export class OneOf<const Ops extends readonly TensorOp[] = TensorOp[]> extends TensorOp {
  declare readonly '~sig': SigOf<Ops[0]>;
  readonly ops: readonly TensorOp[];

  constructor(...ops: Ops) {
    const odd = ops.find((op) => !(op instanceof TensorOp));
    if (odd !== undefined) throw new ConfigError('OneOf', [], `OneOf: expected TensorOps, received ${String(odd)}`);
    super(metaKeys('OneOf', ops));
    this.ops = ops;
  }

  private pick(state: StepState): TensorOp {
    return this.ops[Math.min(this.ops.length - 1, Math.floor(state.random() * this.ops.length))]!;
  }

  override forward(data: unknown, state: StepState): unknown {
    return this.pick(state).forward(data, state);
  }

  override apply(data: DataDict, state: StepState): void {
    this.pick(state).apply(data, state);
  }

  override get innerOps(): readonly TensorOp[] {
    return this.ops;
  }
}
