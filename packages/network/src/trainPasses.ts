import * as tf from '@tensorflow/tfjs';
import { OpError, type DataDict } from '@fets/pipeline';
import type { TensorOp } from './ops/tensorOp.js';
import { UpdateOp, type UpdateOutcome } from './ops/updateOp.js';
import type { StepState } from './stepState.js';
import { tensorsIn } from './tensorData.js';

/** What one UpdateOp did in a step: the op, its model's name and the outcome (applied, skipped, ...). */
export interface UpdateRecord {
  readonly op: UpdateOp;
  readonly model: string;
  outcome: UpdateOutcome;
}

/** An update whose gradients are ready but which waits until every pass of the step has run. */
interface PendingUpdate {
  record: UpdateRecord;
  apply: () => UpdateOutcome;
  discard: () => void;
}

/** One UpdateOp's gradient pass: the data dict it computed, the tensors of it to keep, the loss and the gradients. */
interface GradientPass {
  data: DataDict;
  kept: Set<tf.Tensor>;
  loss: tf.Scalar;
  grads: tf.NamedTensorMap;
}

/** Runs `ops` on `d` in order. */
export function runOps(ops: readonly TensorOp[], d: DataDict, state: StepState): void {
  for (const op of ops) op.apply(d, state);
}

/**
 * The first of the UpdateOps that end the op list (the trailing run that contains `last`): those apply their updates
 * only after every pass, so that all of them see the same weights.
 */
function trailingUpdatesStart(ops: readonly TensorOp[], last: number): number {
  let i = last;
  while (i - 1 >= 0 && ops[i - 1] instanceof UpdateOp) i -= 1;
  return i;
}

/**
 * Runs `forwardOps` and `u`'s loss inside `tf.variableGrads` over `u`'s trainable variables. An error thrown inside
 * the gradient function would strand the tensors tfjs saved for the backward pass, so errors from the ops are caught
 * there, a zero loss tied to the model finishes the pass, and the error is rethrown after. A loss that does not depend
 * on the model is an OpError saying so.
 */
function gradientPass(
  u: UpdateOp,
  forwardOps: readonly TensorOp[],
  base: DataDict,
  baseTensors: ReadonlySet<tf.Tensor>,
  state: StepState,
  modelName: string,
): GradientPass {
  const vars = u.variables();
  if (vars.length === 0) throw new OpError('UpdateOp', u.lossName, `model "${modelName}" has no trainable variables to update`);
  const kept = new Set<tf.Tensor>();
  const data: DataDict = { ...base };
  let failure: { error: unknown } | undefined;
  let res: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    res = tf.variableGrads(() => {
      try {
        runOps(forwardOps, data, state);
        for (const t of tensorsIn(Object.values(data))) if (!baseTensors.has(t)) kept.add(tf.keep(t));
        return u.forward(data[u.lossName], state);
      } catch (error) {
        failure = { error };
        return tf.mul(tf.sum(vars[0]!), 0) as tf.Scalar;
      }
    }, vars);
  } catch (e) {
    kept.forEach((t) => t.dispose());
    if (e instanceof Error && /Cannot find a connection/.test(e.message)) {
      throw new OpError(
        'UpdateOp',
        u.lossName,
        `loss "${u.lossName}" does not depend on any trainable variable of model "${modelName}" in mode "${state.mode}": ` +
          "expected the loss to be computed from that model's ModelOp output",
      );
    }
    throw e;
  }
  if (failure) {
    tf.dispose(res.grads);
    if (!kept.has(res.value)) res.value.dispose();
    kept.forEach((t) => t.dispose());
    throw failure.error;
  }
  if (!baseTensors.has(res.value)) kept.add(res.value);
  return { data, kept, loss: res.value, grads: res.grads };
}

/** Reads a pass's loss value; on failure frees its gradients. */
async function readLoss(pass: GradientPass): Promise<number> {
  try {
    return (await pass.loss.data())[0]!;
  } catch (e) {
    tf.dispose(pass.grads);
    throw e;
  }
}

/**
 * One gradient pass per UpdateOp of `ops` (at `updateIdx`), as the Network's class notes describe: each UpdateOp's
 * forward ops run inside its gradient function, its update is prepared from the loss value, then applied at once or,
 * for trailing and `defer` UpdateOps, after every pass. Appends what each did to `updates`; the tensors of the last
 * pass join `owned`. Returns the last pass's data dict. On failure every pending update is discarded and the passes'
 * tensors are freed.
 */
export async function trainPasses(
  ops: readonly TensorOp[],
  updateIdx: readonly number[],
  base: DataDict,
  state: StepState,
  owned: Set<tf.Tensor>,
  updates: UpdateRecord[],
  skipNonFinite: boolean,
  modelName: (u: UpdateOp) => string,
): Promise<DataDict> {
  const trailingStart = trailingUpdatesStart(ops, updateIdx[updateIdx.length - 1]!);
  const pending: PendingUpdate[] = [];
  const baseTensors = tensorsIn(Object.values(base));
  let passOwned = new Set<tf.Tensor>();
  let data: DataDict = base;
  try {
    for (const ui of updateIdx) {
      const u = ops[ui] as UpdateOp;
      const name = modelName(u);
      const forwardOps = ops.slice(0, ui).filter((op) => !(op instanceof UpdateOp));
      const pass = gradientPass(u, forwardOps, base, baseTensors, state, name);
      passOwned.forEach((t) => t.dispose());
      passOwned = pass.kept;
      data = pass.data;
      const r = await u.prepare(await readLoss(pass), pass.grads, state, skipNonFinite, name);
      const record: UpdateRecord = { op: u, model: name, outcome: r.outcome };
      updates.push(record);
      if (!r.apply) continue;
      if (u.defer || ui >= trailingStart) pending.push({ record, apply: r.apply, discard: r.discard! });
      else record.outcome = r.apply();
    }
    for (let p = pending.shift(); p; p = pending.shift()) p.record.outcome = p.apply();
  } catch (e) {
    passOwned.forEach((t) => t.dispose());
    for (const p of pending) p.discard();
    throw e;
  }
  passOwned.forEach((t) => owned.add(t));
  return data;
}
