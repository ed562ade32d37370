import { metaKeys } from '../../core/metaKeys.js';
import type { DataDict } from '../../core/op.js';
import { ConfigError } from '../../core/errors.js';
import { type FilteredData, NumpyOp, type PipelineState } from '../numpyOp.js';

/**
 * Applies one of several ops, chosen uniformly at random per sample. All ops must read and write the same keys and
 * run in the same modes.
 *
 * @example
 * new OneOf(new Lowercase({ inputs: 'w', outputs: 'w' }), new Uppercase({ inputs: 'w', outputs: 'w' }));
 */
export class OneOf extends NumpyOp {
  readonly ops: readonly NumpyOp[];

  constructor(...ops: NumpyOp[]) {
    const odd = ops.find((op) => !(op instanceof NumpyOp));
    if (odd !== undefined) throw new ConfigError('OneOf', [], `OneOf: expected NumpyOps, received ${String(odd)}`);
    super(metaKeys('OneOf', ops));
    (this as { dsIds: unknown }).dsIds = ops[0]!.dsIds;
    this.ops = ops;
  }

  private pick(state: PipelineState): NumpyOp {
    return this.ops[Math.min(this.ops.length - 1, Math.floor(state.random() * this.ops.length))]!;
  }

  override forward(data: unknown, state: PipelineState): unknown {
    return this.pick(state).forward(data, state);
  }

  override apply(data: DataDict, state: PipelineState): FilteredData | undefined {
    return this.pick(state).apply(data, state);
  }
}
