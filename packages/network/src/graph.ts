import { PipelineError, Scheduler, getCurrentItems, type Mode } from '@fets/pipeline';
import type { TensorOp } from './ops/tensorOp.js';
import { UpdateOp } from './ops/updateOp.js';

/** A Network entry: an op, or a scheduler of ops (`null` epochs run nothing). */
export type NetworkOpEntry = TensorOp | Scheduler<TensorOp>;

/** Every op reachable from the entries: scheduler values and meta ops' inner ops included, depth first. */
export function flattenOps(entries: readonly NetworkOpEntry[]): TensorOp[] {
  const out: TensorOp[] = [];
  const visit = (op: TensorOp) => {
    if (out.includes(op)) return;
    out.push(op);
    op.innerOps.forEach(visit);
  };
  for (const e of entries) {
    if (e instanceof Scheduler) e.getAllValues().forEach((v) => v && visit(v));
    else visit(e);
  }
  return out;
}

/** The ops of the entries that run in `mode` at `epoch` (all scheduled values when `epoch` is undefined). */
export function currentOps(entries: readonly NetworkOpEntry[], mode: Mode | undefined, epoch?: number, dsId?: string): TensorOp[] {
  return getCurrentItems(entries, { mode, epoch, dsId });
}

/** Keys read before any op writes them, and keys written, walking `ops` in order (`Delete` removes keys). */
export function keyFlow(ops: readonly TensorOp[]): { required: Set<string>; produced: Set<string> } {
  const required = new Set<string>();
  const produced = new Set<string>();
  for (const op of ops) {
    for (const k of op.inputs) if (!produced.has(k)) required.add(k);
    for (const k of op.outputs) produced.add(k);
    for (const k of op.deletedKeys) produced.delete(k);
  }
  return { required, produced };
}

/** Describes an op in messages: `CrossEntropy`, `UpdateOp (model "m")`. */
export function describeOp(op: TensorOp, modelName?: (op: UpdateOp) => string): string {
  if (op instanceof UpdateOp) return `UpdateOp (model "${modelName ? modelName(op) : op.model.name}")`;
  return op.name;
}

/**
 * Throws a `PipelineError` naming the op and the key when an op reads a key that neither `available` (what the
 * Pipeline provides) nor an earlier op provides, in op order; and when two ops of the mode write the same key and the
 * later one does not read it (FastEstimator lets the later silently win; fets refuses, since one output is then lost).
 * An op that reads the key it writes (an in-place update such as `Reshape({ inputs: 'x', outputs: 'x' })`) is
 * allowed, and so is writing a key again after `Delete` removed it.
 */
export function checkKeys(ops: readonly TensorOp[], available: Iterable<string>, mode: Mode, modelName?: (op: UpdateOp) => string): void {
  const have = new Set(available);
  const fromPipeline = [...have];
  const writers = new Map<string, { op: TensorOp; index: number }>();
  ops.forEach((op, index) => {
    for (const k of op.inputs) {
      if (have.has(k)) continue;
      const what = op instanceof UpdateOp ? `loss key "${k}"` : `key "${k}"`;
      throw new PipelineError(
        `Network: op ${describeOp(op, modelName)} reads ${what} in mode "${mode}", but neither the Pipeline nor an earlier ` +
          `Network op provides it (available: ${[...have].sort().join(', ') || 'nothing'}; from the Pipeline: ${fromPipeline.sort().join(', ') || 'nothing'})`,
        { op: op.name, key: k, mode, available: [...have].sort() },
      );
    }
    for (const k of op.outputs) {
      const prev = writers.get(k);
      if (prev && prev.op !== op && !op.inputs.includes(k)) {
        const a = describeOp(prev.op, modelName);
        const b = describeOp(op, modelName);
        throw new PipelineError(
          `Network: ops ${a} (op ${prev.index + 1}) and ${b} (op ${index + 1}) both write key "${k}" in mode "${mode}": ` +
            `the second would silently overwrite the first's output. Give them different output keys, or make op ${index + 1} ` +
            `read "${k}" to update it in place`,
          { op: op.name, key: k, mode, available: [...have].sort() },
        );
      }
      writers.set(k, { op, index });
      have.add(k);
    }
    for (const k of op.deletedKeys) {
      have.delete(k);
      writers.delete(k);
    }
  });
}
