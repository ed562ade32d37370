import { ConfigError, FetsError, getCurrentItems, type DataDict } from '@fets/pipeline';
import { TensorOp, type TensorOpState } from '../tensorOp.js';

/**
 * Runs several ops as one (e.g. to wrap them together in `Sometimes`), FastEstimator's `Fuse`. Its inputs are the keys
 * the chain reads from outside; its outputs every key the chain writes. The inner ops must share one mode spec.
 *
 * @example
 * new Sometimes({ op: new Fuse([opA, opB]), prob: 0.5 });
 */
export class Fuse extends TensorOp {
  readonly ops: readonly TensorOp[];

  constructor(ops: TensorOp[]) {
    if (!Array.isArray(ops) || ops.length === 0) throw new ConfigError('Fuse', [], 'Fuse: expected a non-empty list of ops');
    const inputs: string[] = [];
    const outputs: string[] = [];
    for (const op of ops) {
      if (!(op instanceof TensorOp)) throw new ConfigError('Fuse', [], `Fuse: expected TensorOps, received ${String(op)}`);
      for (const k of op.inputs) if (!outputs.includes(k) && !inputs.includes(k)) inputs.push(k);
      for (const k of op.outputs) if (!outputs.includes(k)) outputs.push(k);
    }
    const modes = JSON.stringify(ops[0]!.modeSpec ?? null);
    const other = ops.find((op) => JSON.stringify(op.modeSpec ?? null) !== modes);
    if (other) {
      throw new FetsError(
        `Fuse: every op must run in the same modes; ${ops[0]!.name} has ${modes}, ${other.name} has ${JSON.stringify(other.modeSpec ?? null)}`,
      );
    }
    super({ inputs, outputs, mode: ops[0]!.modeSpec });
    this.ops = ops;
  }

  /** Runs the chain on the input(s) and returns the output(s). */
  override forward(data: unknown, state: TensorOpState): unknown {
    const d: DataDict = {};
    this.inputs.forEach((k, i) => (d[k] = this.inputs.length === 1 ? data : (data as unknown[])[i]));
    this.apply(d, state);
    return this.outputs.length === 1 ? d[this.outputs[0]!] : this.outputs.map((k) => d[k]);
  }

  override apply(data: DataDict, state: TensorOpState): void {
    for (const op of getCurrentItems(this.ops, { mode: state.mode, dsId: state.dsId })) op.apply(data, state);
  }

  override get innerOps(): readonly TensorOp[] {
    return this.ops;
  }
}
