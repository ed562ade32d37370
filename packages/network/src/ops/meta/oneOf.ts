import { ConfigError, FetsError, type DataDict } from '@fets/pipeline';
import { TensorOp, type TensorOpState } from '../tensorOp.js';

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);

/**
 * Applies one of several ops per batch, chosen uniformly at random (FastEstimator's `OneOf`). All ops must read and
 * write the same keys and run in the same modes.
 *
 * @example
 * new OneOf(new Reshape({ inputs: 'x', outputs: 'x', shape: [-1, 8] }), new LambdaOp({ fn: (x) => x, inputs: 'x', outputs: 'x' }));
 */
export class OneOf extends TensorOp {
  readonly ops: readonly TensorOp[];

  constructor(...ops: TensorOp[]) {
    const first = ops[0];
    if (!first) throw new ConfigError('OneOf', [], 'OneOf: expected at least one op, received none');
    for (const op of ops) {
      if (!(op instanceof TensorOp)) throw new ConfigError('OneOf', [], `OneOf: expected TensorOps, received ${String(op)}`);
      if (!same(op.inputs, first.inputs) || !same(op.outputs, first.outputs)) {
        throw new FetsError(
          `OneOf: every op must have the same inputs and outputs; ${first.name} has [${first.inputs}] → [${first.outputs}], ` +
            `${op.name} has [${op.inputs}] → [${op.outputs}]`,
        );
      }
      if (JSON.stringify(op.modeSpec ?? null) !== JSON.stringify(first.modeSpec ?? null)) {
        throw new FetsError(
          `OneOf: every op must run in the same modes; ${first.name} has ${JSON.stringify(first.modeSpec ?? null)}, ${op.name} has ${JSON.stringify(op.modeSpec ?? null)}`,
        );
      }
    }
    super({ inputs: [...first.inputs], outputs: [...first.outputs], mode: first.modeSpec });
    (this as { dsIds: unknown }).dsIds = first.dsIds;
    this.ops = ops;
  }

  private pick(state: TensorOpState): TensorOp {
    return this.ops[Math.min(this.ops.length - 1, Math.floor(state.random() * this.ops.length))]!;
  }

  override forward(data: unknown, state: TensorOpState): unknown {
    return this.pick(state).forward(data, state);
  }

  override apply(data: DataDict, state: TensorOpState): void {
    this.pick(state).apply(data, state);
  }

  override get innerOps(): readonly TensorOp[] {
    return this.ops;
  }
}
