import { metaKeys } from '../../core/metaKeys.js';
import type { DataDict } from '../../core/op.js';
import type { FuseSig } from '../../core/keyGraph.js';
import { ConfigError, OpError } from '../../core/errors.js';
import { type FilteredData, NumpyOp, type PipelineState } from '../numpyOp.js';

/**
 * Runs several ops as one (e.g. to wrap them together in `Sometimes`). Its inputs are the keys the chain reads from
 * outside; its outputs every key the chain writes. The inner ops must share one mode spec.
 *
 * @example
 * new Sometimes({ op: new Fuse([opA, opB]), prob: 0.5 });
 */
export class Fuse<const Ops extends readonly NumpyOp[] = NumpyOp[]> extends NumpyOp {
  declare readonly '~sig': FuseSig<Ops>;
  readonly ops: readonly NumpyOp[];

  constructor(ops: Ops) {
    if (!Array.isArray(ops) || ops.some((op) => !(op instanceof NumpyOp))) {
      throw new ConfigError('Fuse', [], `Fuse: expected a list of NumpyOps, received ${String(ops)}`);
    }
    super(metaKeys('Fuse', ops));
    this.ops = ops;
  }

  override forward(): never {
    throw new OpError('Fuse', undefined, 'call apply() on the data dictionary');
  }

  override apply(data: DataDict, state: PipelineState): FilteredData | undefined {
    for (const op of this.ops) {
      const r = op.apply(data, state);
      if (r) return r;
    }
    return undefined;
  }
}
