import type { DataDict } from '../../core/op.js';
import { ConfigError, FetsError } from '../../core/errors.js';
import { type FilteredData, NumpyOp, type PipelineState } from '../numpyOp.js';

/**
 * Runs several ops as one (e.g. to wrap them together in `Sometimes`). Its inputs are the keys the chain reads from
 * outside; its outputs every key the chain writes. The inner ops must share one mode spec.
 *
 * @example
 * new Sometimes({ op: new Fuse([opA, opB]), prob: 0.5 });
 */
export class Fuse extends NumpyOp {
  readonly ops: readonly NumpyOp[];

  constructor(ops: NumpyOp[]) {
    if (!Array.isArray(ops) || ops.length === 0) throw new ConfigError('Fuse', [], 'Fuse: expected a non-empty list of ops');
    const inputs: string[] = [];
    const outputs: string[] = [];
    for (const op of ops) {
      for (const k of op.inputs) if (!outputs.includes(k) && !inputs.includes(k)) inputs.push(k);
      for (const k of op.outputs) if (!outputs.includes(k)) outputs.push(k);
    }
    const modes = JSON.stringify(ops[0]!.modeSpec ?? null);
    const other = ops.find((op) => JSON.stringify(op.modeSpec ?? null) !== modes);
    if (other)
      throw new ConfigError(
        'Fuse',
        [],
        `Fuse: every op must run in the same modes; ${ops[0]!.name} has ${modes}, ${other.name} has ${JSON.stringify(other.modeSpec ?? null)}`,
      );
    super({ inputs, outputs, mode: ops[0]!.modeSpec });
    this.ops = ops;
  }

  override forward(): never {
    throw new FetsError('Fuse: call apply() on the data dictionary');
  }

  override apply(data: DataDict, state: PipelineState): FilteredData | undefined {
    for (const op of this.ops) {
      const r = op.apply(data, state);
      if (r) return r;
    }
    return undefined;
  }
}
