import { metaKeys } from '../../core/metaKeys.js';
import type { DataDict } from '../../core/op.js';
import type { SigOf } from '../../core/keyGraph.js';
import { ConfigError } from '../../core/errors.js';
import { type FilteredData, NumpyOp, type PipelineState } from '../numpyOp.js';

/**
 * Applies one of several ops, chosen uniformly at random per sample. All ops must read and write the same keys and
 * run in the same modes.
 *
 * @example
 * new OneOf(new Lowercase({ inputs: 'w', outputs: 'w' }), new Uppercase({ inputs: 'w', outputs: 'w' }));
 */
export class OneOf<const Ops extends readonly NumpyOp[] = NumpyOp[]> extends NumpyOp {
  declare readonly '~sig': SigOf<Ops[0]>;
  readonly ops: readonly NumpyOp[];

  constructor(...ops: Ops) {
    const odd = ops.find((op) => !(op instanceof NumpyOp));
    if (odd !== undefined) throw new ConfigError('OneOf', [], `OneOf: expected NumpyOps, received ${String(odd)}`);
    super(metaKeys('OneOf', ops));
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
