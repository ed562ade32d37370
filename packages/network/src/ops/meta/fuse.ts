import { ConfigError, getCurrentItems, type DataDict, metaKeys, type FuseSig } from '@fets/pipeline';
import { TensorOp } from '../tensorOp.js';
import type { StepState } from '../../stepState.js';

/**
 * Runs several ops as one (e.g. to wrap them together in `Sometimes`), FastEstimator's `Fuse`. Its inputs are the keys
 * the chain reads from outside; its outputs every key the chain writes. The inner ops must share one mode spec.
 *
 * @example
 * new Sometimes({ op: new Fuse([opA, opB]), prob: 0.5 });
 */
export class Fuse<const Ops extends readonly TensorOp[] = TensorOp[]> extends TensorOp {
  declare readonly '~sig': FuseSig<Ops>;
  readonly ops: readonly TensorOp[];

  constructor(ops: Ops) {
    if (!Array.isArray(ops) || ops.some((op) => !(op instanceof TensorOp))) {
      throw new ConfigError('Fuse', [], `Fuse: expected a list of TensorOps, received ${String(ops)}`);
    }
    super(metaKeys('Fuse', ops));
    this.ops = ops;
  }

  /** Runs the chain on the input(s) and returns the output(s). */
  override forward(data: unknown, state: StepState): unknown {
    const d: DataDict = {};
    this.inputs.forEach((k, i) => (d[k] = this.inputs.length === 1 ? data : (data as unknown[])[i]));
    this.apply(d, state);
    return this.outputs.length === 1 ? d[this.outputs[0]!] : this.outputs.map((k) => d[k]);
  }

  override apply(data: DataDict, state: StepState): void {
    for (const op of getCurrentItems(this.ops, { mode: state.mode, dsId: state.dsId })) op.apply(data, state);
  }

  override get innerOps(): readonly TensorOp[] {
    return this.ops;
  }
}
