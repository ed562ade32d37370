import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, EpochScheduler, Scheduler, describeValue, parseOptions } from '@fets/pipeline';
import { WeightsFileError } from './io/weightsErrors.js';
import { parseSafetensors } from './io/safetensors.js';
import { WeightsMismatchError, WeightsShapeError } from './io/weightsErrors.js';
import { isModel, isLayersModel, namedVariables, type Model } from './model.js';
import { isOptimizer, makeOptimizer, optimizerLearningRate, setOptimizerLearningRate } from './optimizers/optimizers.js';

/** What `build` accepts as an optimizer: a name, a factory, an instance. */
export type OptimizerSpec = string | (() => tf.Optimizer) | tf.Optimizer;

interface ModelInfo {
  name: string;
  optimizer: tf.Optimizer | Scheduler<tf.Optimizer>;
  current: tf.Optimizer;
  all: tf.Optimizer[];
}

const registry = new WeakMap<object, ModelInfo>();

const buildSchema = z.strictObject({
  modelName: z.string().min(1).optional(),
  weightsPath: z.string().min(1).optional(),
});

/**
 * Copies every variable of `model` from a `.safetensors` file, matched by name (`namedWeights()` names for a
 * FunctionModel, the weights' original names for a LayersModel). Every model variable must be present with its shape;
 * keys the model does not use are ignored. Returns the names of the unused keys.
 */
export function loadWeightsFile(model: Model, weightsPath: string): string[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(weightsPath);
  } catch (e) {
    throw new WeightsFileError(weightsPath, `cannot read it (build: weightsPath): ${(e as Error).message}`, undefined, undefined, {
      cause: e,
    });
  }
  if (!weightsPath.endsWith('.safetensors')) {
    throw new WeightsFileError(weightsPath, 'build: weightsPath: expected a .safetensors file');
  }
  const file = parseSafetensors(bytes, weightsPath);
  const named = namedVariables(model);
  const missing = [...named.keys()].filter((k) => !file.tensors.has(k));
  if (missing.length > 0) {
    const unexpected = [...file.tensors.keys()].filter((k) => !named.has(k));
    throw new WeightsMismatchError(weightsPath, registry.get(model)?.name ?? model.name, named.size, missing, unexpected);
  }
  tf.tidy(() => {
    for (const [name, variable] of named) {
      const t = file.tensors.get(name)!;
      const same = t.shape.length === variable.shape.length && t.shape.every((d, i) => d === variable.shape[i]);
      if (!same) throw new WeightsShapeError(weightsPath, name, variable.shape, t.shape);
      const values = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>, Number);
      variable.assign(tf.tensor(values, t.shape, variable.dtype === 'int32' ? 'int32' : 'float32'));
    }
  });
  return [...file.tensors.keys()].filter((k) => !named.has(k));
}

/** Options of {@link build}. */
export type BuildOptions = z.input<typeof buildSchema>;

function resolveOptimizer(spec: unknown, owner: string): tf.Optimizer {
  if (typeof spec === 'string') return makeOptimizer(spec, owner);
  if (isOptimizer(spec)) return spec;
  if (typeof spec === 'function') {
    const o = (spec as () => unknown)();
    if (!isOptimizer(o)) {
      throw new ConfigError(
        owner,
        [],
        `${owner}: optimizerFn: expected a function returning a tf.Optimizer, it returned ${describeValue(o)}`,
      );
    }
    return o;
  }
  throw new ConfigError(
    owner,
    [],
    `${owner}: optimizerFn: expected an optimizer name, a function returning a tf.Optimizer, a tf.Optimizer or an EpochScheduler of them, received ${describeValue(spec)}`,
  );
}

/**
 * Builds a model and attaches its optimizer and name (FastEstimator's `fe.build`). `modelFn` creates the model
 * (a `tf.LayersModel` or a `FunctionModel`); `optimizerFn` is an optimizer name (`'adam'`, `'sgd'`, `'rmsprop'`,
 * `'adagrad'`, `'adadelta'`, `'adamax'`, `'adamw'`), a function returning a `tf.Optimizer`, or an `EpochScheduler` of
 * those (the Network switches optimizer by epoch). The model's name is `modelName` or the model's own name.
 * `weightsPath` loads a `.safetensors` file into the model by weight name (see {@link loadWeightsFile}); weights in
 * the file that the model does not use are named in one warning line, as transformers does.
 *
 * @example
 * const model = build(() => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] }), 'adam');
 * getOptimizer(model); // the Adam instance
 */
export function build<M extends Model>(
  modelFn: (() => M) | M,
  optimizerFn: OptimizerSpec | EpochScheduler<OptimizerSpec>,
  options: BuildOptions = {},
): M {
  const o = parseOptions('build', buildSchema, options);
  const model = typeof modelFn === 'function' ? (modelFn as () => M)() : modelFn;
  if (!isModel(model)) {
    throw new ConfigError(
      'build',
      [],
      `build: modelFn: expected a function returning a tf.LayersModel or a FunctionModel, received ${describeValue(model)}`,
    );
  }
  let optimizer: tf.Optimizer | Scheduler<tf.Optimizer>;
  let all: tf.Optimizer[];
  if (optimizerFn instanceof Scheduler) {
    if (!(optimizerFn instanceof EpochScheduler)) {
      throw new ConfigError('build', [], 'build: optimizerFn: only an EpochScheduler may schedule optimizers');
    }
    const made = new Map<unknown, tf.Optimizer>();
    const entries = [...optimizerFn.epochDict.entries()].map(([epoch, spec]): [number, tf.Optimizer] => {
      if (spec === null || spec === undefined) {
        throw new ConfigError('build', [], `build: optimizerFn: the EpochScheduler has no optimizer at epoch ${epoch}`);
      }
      if (!made.has(spec)) made.set(spec, resolveOptimizer(spec, 'build'));
      return [epoch, made.get(spec)!];
    });
    optimizer = new EpochScheduler(new Map(entries));
    all = [...new Set(made.values())];
  } else {
    const opt = resolveOptimizer(optimizerFn, 'build');
    optimizer = opt;
    all = [opt];
  }
  const name = o.modelName ?? model.name;
  if (o.weightsPath !== undefined) {
    const unused = loadWeightsFile(model, o.weightsPath);
    // As transformers does: a checkpoint with more than the model uses loads, and says so in one line.
    if (unused.length > 0) {
      const shown = unused.slice(0, 10).join(', ') + (unused.length > 10 ? `, … (${unused.length - 10} more)` : '');
      console.warn(
        `build: ${unused.length} weight${unused.length === 1 ? '' : 's'} of ${o.weightsPath} not used by model "${name}": ${shown}`,
      );
    }
  }
  registry.set(model, { name, optimizer, current: all[0]!, all });
  return model;
}

function info(model: Model, what: string): ModelInfo {
  const i = registry.get(model);
  if (!i) {
    throw new ConfigError(
      what,
      [],
      `${what}: model "${isModel(model) ? model.name : describeValue(model)}" was not created by build(); wrap it: build(() => model, 'adam')`,
    );
  }
  return i;
}

/** True when the model went through {@link build}. */
export function isBuilt(model: Model): boolean {
  return registry.has(model);
}

/** The name `build` gave the model (`modelName`, or the model's own name). */
export function getModelName(model: Model): string {
  return info(model, 'getModelName').name;
}

/**
 * The model's optimizer: at `epoch` when given (resolving an `EpochScheduler`), else the one in force (the Network
 * selects it at the start of each step via {@link selectOptimizer}).
 */
export function getOptimizer(model: Model, epoch?: number): tf.Optimizer {
  const i = info(model, 'getOptimizer');
  if (epoch === undefined) return i.current;
  if (i.optimizer instanceof Scheduler) {
    const o = i.optimizer.getCurrentValue(epoch);
    if (!o) throw new ConfigError('getOptimizer', [], `getOptimizer: model "${i.name}" has no optimizer scheduled at epoch ${epoch}`);
    return o;
  }
  return i.optimizer;
}

/** Every optimizer the model may use (several with an `EpochScheduler`). */
export function getAllOptimizers(model: Model): tf.Optimizer[] {
  return [...info(model, 'getAllOptimizers').all];
}

/** Makes the optimizer scheduled for `epoch` the one in force; returns it. */
export function selectOptimizer(model: Model, epoch: number): tf.Optimizer {
  const i = info(model, 'selectOptimizer');
  if (i.optimizer instanceof Scheduler) {
    const o = i.optimizer.getCurrentValue(epoch);
    if (o) i.current = o;
  }
  return i.current;
}

/**
 * The learning rate of the model's optimizer in force.
 *
 * @example
 * getLearningRate(model); // 0.001
 */
export function getLearningRate(model: Model): number {
  return optimizerLearningRate(getOptimizer(model));
}

/**
 * Sets the learning rate of the model's optimizer in force (used by LR schedulers).
 *
 * @example
 * setLearningRate(model, 5e-4);
 */
export function setLearningRate(model: Model, lr: number): void {
  setOptimizerLearningRate(getOptimizer(model), lr);
}

/** Human-readable kind of a model, for messages. */
export function describeModel(model: Model): string {
  const name = registry.get(model)?.name ?? model.name;
  return `${isLayersModel(model) ? 'LayersModel' : 'FunctionModel'} "${name}"`;
}
