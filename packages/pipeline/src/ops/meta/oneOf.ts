import type { DataDict } from '../../core/op.js';
import { ConfigError, FetsError } from '../../core/errors.js';
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
    const first = ops[0];
    if (!first) throw new ConfigError('OneOf', [], 'OneOf: expected at least one op, received none');
    for (const op of ops) {
      if (!(op instanceof NumpyOp)) throw new ConfigError('OneOf', [], `OneOf: expected NumpyOps, received ${String(op)}`);
      const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);
      if (!same(op.inputs, first.inputs) || !same(op.outputs, first.outputs)) {
        throw new FetsError(
          `OneOf: every op must have the same inputs and outputs; ${first.name} has [${first.inputs}] → [${first.outputs}], ` +
            `${op.name} has [${op.inputs}] → [${op.outputs}]`,
        );
      }
    }
    super({ inputs: [...first.inputs], outputs: [...first.outputs], mode: first.modeSpec });
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
