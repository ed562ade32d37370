import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  ConfigError,
  OpError,
  PipelineError,
  Scheduler,
  describeValue,
  parseOptions,
  type CheckedNetworkOps,
  type DataDict,
  type Mode,
  type NetworkKeysOf,
} from '@fets/pipeline';
import { getLearningRate, getModelName, selectOptimizer } from './build.js';
import { checkKeys, currentOps, flattenOps, keyFlow, type NetworkOpEntry } from './graph.js';
import { callModel, type Model } from './model.js';
import { ModelOp } from './ops/modelOp.js';
import { TensorOp } from './ops/tensorOp.js';
import { makeStepState, type StepState, type StepStateInput } from './stepState.js';
import { NonFiniteLossError, UpdateOp, type NonFiniteInput } from './ops/updateOp.js';
import { tensorsIn, toNDArrayAsync, toTensor } from './tensorData.js';
import { runOps, trainPasses, type UpdateRecord } from './trainPasses.js';
import { getWorld } from './distributed/world.js';
import { ensureModelSynced } from './distributed/syncModel.js';

const networkSchema = z.strictObject({ skipNonFinite: z.boolean().default(false) });

/** Options of {@link Network}. */
export type NetworkOptions = z.input<typeof networkSchema>;

/** What {@link Network.runStepTensors} returns. Tensors stay alive until `dispose()`. */
export interface StepResult {
  /** Every key the Network's ops wrote this step (tensors; a key deleted by `Delete` is absent). */
  readonly predictions: Readonly<Record<string, unknown>>;
  /** Value of each loss key (`getLossKeys()`) that holds a scalar this step, read once. */
  readonly losses: Readonly<Record<string, number>>;
  /** What each UpdateOp that ran did, in op order. */
  readonly updates: readonly Readonly<UpdateRecord>[];
  /** Frees every tensor the step created (predictions and converted inputs). Safe to call twice. */
  dispose(): void;
}

/**
 * The device half of a FastEstimator workflow: TensorOps (models, losses, updates) run on each batch.
 *
 * Training step design (tfjs needs the forward pass inside the gradient function): for each UpdateOp of the step, in
 * op order, the ops before it (UpdateOps excluded) run inside `tf.variableGrads` over that UpdateOp's model's trainable
 * variables, so each loss is differentiated w.r.t. its own model only. With one UpdateOp (the usual case) the forward
 * runs once. With several (e.g. a GAN), the forward runs once per UpdateOp; trailing UpdateOps (and any with
 * `defer: true`) apply their updates only after every gradient is computed, so all see the same weights, as
 * FastEstimator's deferred updates do. Ops after the last UpdateOp run once, outside the gradient function. Random
 * ops (dropout, `Sometimes`) draw anew in each pass. Every tensor a step creates is either freed at once (tidy scopes)
 * or listed in the returned {@link StepResult} and freed by its `dispose()`.
 *
 * @example
 * const network = new Network([
 *   new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
 *   new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce' }),
 *   new UpdateOp({ model, lossName: 'ce' }),
 * ]);
 * const out = await network.runStep(batch, { mode: 'train', epoch: 1 }, ['ce', 'yPred']); // plain values
 * out.ce; // number
 */
export class Network<const Ops extends readonly NetworkOpEntry[] = readonly NetworkOpEntry[], Keys = NetworkKeysOf<Ops>> {
  /** Compile time only: the keys the Network reads from the batch and writes, per mode (read by the Estimator's check). */
  declare readonly '~net': Keys;
  /** The ops as given (TensorOps and schedulers of them). */
  readonly ops: readonly NetworkOpEntry[];
  /** Default for UpdateOps without their own flag: skip updates whose loss is not finite instead of throwing. */
  readonly skipNonFinite: boolean;
  /** Every distinct model run by a ModelOp (in first-use order). */
  readonly models: readonly Model[];
  /** Training steps run so far (not counting warm-up), used for `step` when the caller does not pass one. */
  trainSteps = 0;

  constructor(ops: CheckedNetworkOps<Ops>, options: NetworkOptions = {}) {
    const o = parseOptions(new.target.name, networkSchema, options);
    this.skipNonFinite = o.skipNonFinite;
    if (!Array.isArray(ops) || ops.length === 0) {
      throw new ConfigError('Network', [], `Network: ops: expected a non-empty list of TensorOps, received ${describeValue(ops)}`);
    }
    ops.forEach((op, i) => {
      const ok = op instanceof TensorOp || (op instanceof Scheduler && op.getAllValues().every((v) => v === null || v instanceof TensorOp));
      if (!ok) {
        throw new ConfigError(
          'Network',
          [],
          `Network: ops[${i}]: expected a TensorOp or a Scheduler of TensorOps, received ${describeValue(op)}` +
            ((op as object)?.constructor?.name === 'NumpyOp' || 'forwardBatch' in (op as object)
              ? ' (NumpyOps belong in the Pipeline)'
              : ''),
        );
      }
    });
    this.ops = [...ops];
    const all = flattenOps(this.ops);
    const models: Model[] = [];
    for (const op of all) if (op instanceof ModelOp && !models.includes(op.model)) models.push(op.model);
    this.models = models;
    this.checkModels(all);
  }

  private modelName = (m: Model): string => {
    try {
      return getModelName(m);
    } catch {
      return m.name;
    }
  };

  private checkModels(all: TensorOp[]): void {
    const names = new Map<string, Model>();
    for (const m of this.models) {
      const n = this.modelName(m);
      if (names.has(n) && names.get(n) !== m) {
        throw new ConfigError(
          'Network',
          [],
          `Network: two different models are both named "${n}"; give them distinct names with build(..., { modelName })`,
        );
      }
      names.set(n, m);
    }
    const produced = new Set(all.flatMap((op) => op.outputs));
    for (const op of all) {
      if (!(op instanceof UpdateOp)) continue;
      if (!this.models.includes(op.model)) {
        throw new PipelineError(
          `Network: UpdateOp (lossName "${op.lossName}") updates model "${this.modelName(op.model)}", but no ModelOp in this ` +
            `Network runs it (models run: ${this.models.map((m) => `"${this.modelName(m)}"`).join(', ') || 'none'})`,
          { op: 'UpdateOp', key: op.lossName },
        );
      }
      if (!produced.has(op.lossName)) {
        throw new PipelineError(
          `Network: UpdateOp (model "${this.modelName(op.model)}") minimises loss key "${op.lossName}", but no op produces it ` +
            `(keys produced by ops: ${[...produced].sort().join(', ') || 'none'})`,
          { op: 'UpdateOp', key: op.lossName, available: [...produced].sort() },
        );
      }
    }
  }

  /** The ops that run in `mode` at `epoch` (every scheduled value when `epoch` is undefined). */
  getCurrentOps(mode: Mode, epoch?: number, dsId?: string): TensorOp[] {
    return currentOps(this.ops, mode, epoch, dsId);
  }

  /** Loss keys: those the UpdateOps minimise, in any mode (FastEstimator's `get_loss_keys`). */
  getLossKeys(): Set<string> {
    return new Set(flattenOps(this.ops).flatMap((op) => (op instanceof UpdateOp ? [op.lossName] : [])));
  }

  /**
   * Loss keys worth logging in `mode`: the UpdateOps' loss keys (UpdateOps of any mode, scheduled at `epoch` when
   * given) that the ops of `mode` produce, so eval logs the same losses training minimises.
   */
  lossKeys(mode?: Mode, epoch?: number): string[] {
    const updates = (epoch === undefined ? flattenOps(this.ops) : currentOps(this.ops, undefined, epoch)).filter(
      (op): op is UpdateOp => op instanceof UpdateOp,
    );
    const names = [...new Set(updates.map((u) => u.lossName))];
    if (mode === undefined) return names;
    const produced = keyFlow(this.getCurrentOps(mode, epoch)).produced;
    return names.filter((k) => produced.has(k));
  }

  /** `[modelName, learningRate]` for each model an UpdateOp trains (its optimizer in force). */
  learningRates(): [string, number][] {
    const seen: Model[] = [];
    for (const op of flattenOps(this.ops)) if (op instanceof UpdateOp && !seen.includes(op.model)) seen.push(op.model);
    return seen.map((m) => [this.modelName(m), getLearningRate(m)]);
  }

  /** Keys the Network needs from the Pipeline in `mode` (read before any op writes them), in first-read order. */
  requiredKeys(mode: Mode, epoch?: number): string[] {
    return [...keyFlow(this.getCurrentOps(mode, epoch)).required];
  }

  /** Keys the Network's ops write in `mode`, in first-write order. */
  producedKeys(mode: Mode, epoch?: number): string[] {
    return [...keyFlow(this.getCurrentOps(mode, epoch)).produced];
  }

  /**
   * Checks, before any data flows, that every key an op reads in `mode` comes from `availableKeys` (what the Pipeline
   * provides) or an earlier op; throws a `PipelineError` naming the op and the key otherwise.
   *
   * @example
   * network.checkGraph(['x', 'y'], 'train');
   */
  checkGraph(availableKeys: Iterable<string>, mode: Mode, epoch?: number): void {
    checkKeys(this.getCurrentOps(mode, epoch), availableKeys, mode, (u) => this.modelName(u.model));
  }

  /**
   * Runs one batch (training the models when UpdateOps run) and returns the `fetch` keys as plain values: rank-0
   * tensors as numbers, other tensors as `NDArray`s, batch values the ops did not touch as they came. Without `fetch`,
   * every key the ops wrote. All tensors are freed before it returns. This is what the Estimator calls.
   *
   * @example
   * const out = await network.runStep(batch, { mode: 'train', epoch: 1 }, ['loss', 'yPred']);
   * out.loss; // 0.69 (number); out.yPred: NDArray [B, L, C]
   */
  async runStep(batch: DataDict, s: StepStateInput, fetch?: readonly string[]): Promise<DataDict> {
    const r = await this.runStepTensors(batch, s);
    try {
      const out: DataDict = {};
      for (const k of fetch ?? Object.keys(r.predictions)) {
        const v = k in r.predictions ? r.predictions[k] : batch[k];
        if (v === undefined && !(k in batch)) continue;
        out[k] = v instanceof tf.Tensor ? (v.rank === 0 ? (await v.data())[0] : await toNDArrayAsync(v)) : v;
      }
      return out;
    } finally {
      r.dispose();
    }
  }

  /**
   * Tensor-level step: runs one batch through the ops of `state.mode` (training when UpdateOps run). `batch` values
   * that are numeric `NDArray`s and read by an op become tensors; other values pass through. Returns the keys the ops
   * wrote (tensors, alive until `dispose()`), the loss values, and what each UpdateOp did.
   *
   * @example
   * const r = await network.runStepTensors(batch, { mode: 'eval', epoch: 1 });
   * const acc = tf.tidy(() => tf.mean(tf.equal(tf.argMax(r.predictions.yPred as tf.Tensor, -1), y)));
   * r.dispose();
   */
  async runStepTensors(batch: DataDict, s: StepStateInput): Promise<StepResult> {
    if (s.mode === 'train' && !s.warmup && s.step === undefined) this.trainSteps += 1;
    const step = s.step ?? (s.mode === 'train' ? this.trainSteps : 0);
    const state = makeStepState({ ...s, step }, { epoch: 1 });
    const ops = this.getCurrentOps(state.mode, state.epoch, state.dsId);
    for (const op of ops) {
      if (op instanceof UpdateOp) selectOptimizer(op.model, state.epoch);
      // Data-parallel: rank 0's weights reach every rank before a model's first update.
      if (op instanceof UpdateOp && state.mode === 'train' && !state.warmup) ensureModelSynced(getWorld(), op.model);
    }
    const external = tensorsIn(Object.values(batch));
    const owned = new Set<tf.Tensor>();
    const disposeOwned = () => {
      for (const t of owned) if (!external.has(t) && !t.isDisposed) t.dispose();
      owned.clear();
    };
    const base: DataDict = { ...batch };
    for (const k of keyFlow(ops).required) {
      const v = toTensor(base[k]);
      if (v !== base[k]) {
        owned.add(v as tf.Tensor);
        base[k] = v;
      }
    }
    const updates: UpdateRecord[] = [];
    let data: DataDict;
    try {
      const updateIdx = ops.flatMap((op, i) => (op instanceof UpdateOp ? [i] : []));
      if (updateIdx.length === 0) {
        data = this.forwardTidy(ops, base, state, owned);
      } else {
        data = await trainPasses(ops, updateIdx, base, state, owned, updates, state.skipNonFinite ?? this.skipNonFinite, (u) =>
          this.modelName(u.model),
        );
        const rest = ops.slice(updateIdx[updateIdx.length - 1]! + 1).filter((op) => !(op instanceof UpdateOp));
        if (rest.length > 0) data = this.forwardTidy(rest, data, state, owned);
      }
    } catch (e) {
      // A non-finite loss often comes from a non-finite input: name the input keys that hold NaN/±Inf.
      if (e instanceof NonFiniteLossError) e.noteInputs(nonFiniteInputs(base, keyFlow(ops).required));
      disposeOwned();
      throw e;
    }
    const predictions: Record<string, unknown> = {};
    for (const k of Object.keys(data)) if (!(k in base) || data[k] !== base[k]) predictions[k] = data[k];
    const losses: Record<string, number> = {};
    for (const k of this.getLossKeys()) {
      const v = data[k];
      if (v instanceof tf.Tensor && v.rank === 0 && !v.isDisposed) losses[k] = (await v.data())[0]!;
    }
    let disposed = false;
    return {
      predictions,
      losses,
      updates,
      dispose: () => {
        if (disposed) return;
        disposed = true;
        disposeOwned();
      },
    };
  }

  /** Runs ops in a tidy scope on a copy of `d`; new tensors written to the dict survive and join `owned`. */
  private forwardTidy(ops: readonly TensorOp[], d: DataDict, state: StepState, owned: Set<tf.Tensor>): DataDict {
    const out: DataDict = { ...d };
    const before = tensorsIn(Object.values(d));
    const kept = tf.tidy(() => {
      runOps(ops, out, state);
      return [...tensorsIn(Object.values(out))].filter((t) => !before.has(t));
    });
    kept.forEach((t) => owned.add(t));
    return out;
  }

  /**
   * Runs the ops of `mode` (UpdateOps excluded: no training) on one batch for inference and returns the batch with the
   * ops' outputs as `NDArray`s; every tensor is freed.
   *
   * @example
   * const out = await network.transform(pipeline.transform(sample, 'infer'), 'infer'); // out.yPred: NDArray
   */
  async transform(data: DataDict, mode: Mode = 'infer', epoch = 1): Promise<DataDict> {
    const state = makeStepState({ mode, epoch });
    const ops = this.getCurrentOps(mode, epoch).filter((op) => !(op instanceof UpdateOp));
    const external = tensorsIn(Object.values(data));
    const owned = new Set<tf.Tensor>();
    const base: DataDict = { ...data };
    for (const k of keyFlow(ops).required) {
      const v = toTensor(base[k]);
      if (v !== base[k]) {
        owned.add(v as tf.Tensor);
        base[k] = v;
      }
    }
    try {
      const out = this.forwardTidy(ops, base, state, owned);
      const result: DataDict = {};
      for (const [k, v] of Object.entries(out)) {
        if (k in data && v === base[k]) result[k] = data[k];
        else result[k] = v instanceof tf.Tensor ? await toNDArrayAsync(v) : v;
      }
      return result;
    } finally {
      for (const t of owned) if (!external.has(t)) t.dispose();
    }
  }

  /** Frees what UpdateOps hold between steps (gradient accumulators). Models and optimizers are not touched. */
  dispose(): void {
    for (const op of flattenOps(this.ops)) if (op instanceof UpdateOp) op.dispose();
  }
}

/** The float inputs among `keys` of `d` that hold NaN or ±Infinity: key, first flat index and value. */
function nonFiniteInputs(d: DataDict, keys: Iterable<string>): NonFiniteInput[] {
  const out: NonFiniteInput[] = [];
  for (const key of keys) {
    const t = d[key];
    if (!(t instanceof tf.Tensor) || t.dtype !== 'float32' || t.isDisposed) continue;
    let values: Float32Array;
    try {
      values = t.dataSync() as Float32Array;
    } catch {
      continue; // no synchronous read on this backend (webgpu under Node): the report names the other inputs
    }
    let count = 0;
    let first = -1;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        if (first === -1) first = i;
        count++;
      }
    }
    if (first !== -1) out.push({ key, index: first, value: values[first]!, count, shape: [...t.shape] });
  }
  return out;
}

/**
 * Runs a model on inputs outside a Network (FastEstimator's `feed_forward`): `NDArray`s become tensors and are freed;
 * the caller owns (and disposes) the returned tensor(s).
 *
 * @example
 * const logits = feedForward(model, [ids, mask], { training: false }) as tf.Tensor;
 */
export function feedForward(model: Model, inputs: unknown | unknown[], options: { training?: boolean } = {}): tf.Tensor | tf.Tensor[] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  return tf.tidy(() => {
    const xs = list.map((x, i) => {
      const t = toTensor(x);
      if (!(t instanceof tf.Tensor)) {
        throw new OpError('feedForward', undefined, `input ${i}: expected a tensor or a numeric NDArray, received ${describeValue(x)}`);
      }
      return t;
    });
    return callModel(model, xs, options.training ?? false);
  });
}
