import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@fets/pipeline';
import type { FunctionModel } from './architectures/functionModel.js';

/** Anything a `ModelOp` can run and an `UpdateOp` can train: a tfjs-layers model or a {@link FunctionModel}. */
export type Model = tf.LayersModel | FunctionModel;

/** True when `m` is a tfjs-layers model (as opposed to a {@link FunctionModel}). */
export function isLayersModel(m: unknown): m is tf.LayersModel {
  return m instanceof tf.LayersModel;
}

/** True when `m` looks like a {@link FunctionModel} (has `call`, `trainableWeights()` and `namedWeights()`). */
export function isFunctionModel(m: unknown): m is FunctionModel {
  if (m === null || typeof m !== 'object' || m instanceof tf.LayersModel) return false;
  const o = m as Record<string, unknown>;
  return typeof o.call === 'function' && typeof o.trainableWeights === 'function' && typeof o.namedWeights === 'function';
}

/** True when `m` is a {@link Model}. */
export function isModel(m: unknown): m is Model {
  return isLayersModel(m) || isFunctionModel(m);
}

/**
 * Wraps a bare forward function and the variables it uses as a {@link FunctionModel}.
 * Variable names (their `tf.Variable#name`) become the keys of `namedWeights()`.
 *
 * @example
 * const w = tf.variable(tf.randomNormal([4, 2]), true, 'w');
 * const model = functionModel({ name: 'linear', call: ([x]) => tf.matMul(x!, w), variables: [w] });
 */
export function functionModel(options: {
  name: string;
  call: (inputs: tf.Tensor[], training: boolean) => tf.Tensor | tf.Tensor[];
  variables: readonly tf.Variable[];
}): FunctionModel {
  const { name, call, variables } = options ?? ({} as typeof options);
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigError('functionModel', [], `functionModel: name: expected a non-empty string, received ${String(name)}`);
  }
  if (typeof call !== 'function') {
    throw new ConfigError('functionModel', [], `functionModel: call: expected a function, received ${typeof call}`);
  }
  if (!Array.isArray(variables) || !variables.every((v) => v instanceof tf.Variable)) {
    throw new ConfigError('functionModel', [], 'functionModel: variables: expected an array of tf.Variable');
  }
  const vars = [...variables];
  return {
    name,
    call: (inputs, training) => call(inputs, training),
    trainableWeights: () => vars.filter((v) => v.trainable),
    namedWeights: () => new Map(vars.map((v) => [v.name, v])),
    dispose: () => vars.forEach((v) => v.dispose()),
  };
}

/** The trainable variables of a model, in a fixed order (the order gradients and optimizer slots use). */
export function trainableVariables(model: Model): tf.Variable[] {
  if (isLayersModel(model)) return model.trainableWeights.map((w) => w.read() as tf.Variable);
  return model.trainableWeights();
}

/**
 * Every variable of a model by name (trainable or not). A tfjs-layers model's weights are named by position,
 * `layers.<i>.<weight>` (e.g. `layers.1.kernel`), not by tfjs' auto-numbered layer names (`dense_Dense3/kernel`),
 * so a fresh instance of the same architecture loads a checkpoint saved from another.
 */
export function namedVariables(model: Model): Map<string, tf.Variable> {
  if (isLayersModel(model)) {
    const out = new Map<string, tf.Variable>();
    model.layers.forEach((layer, i) => {
      for (const w of layer.weights) {
        const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
        let name = `layers.${i}.${short}`;
        for (let k = 2; out.has(name); k++) name = `layers.${i}.${short}_${k}`;
        out.set(name, w.read() as tf.Variable);
      }
    });
    return out;
  }
  return model.namedWeights();
}

/**
 * Runs a model on input tensors. `training` switches dropout and similar layers on.
 *
 * @example
 * const y = callModel(model, [x], false) as tf.Tensor;
 */
export function callModel(model: Model, inputs: tf.Tensor[], training: boolean): tf.Tensor | tf.Tensor[] {
  if (isLayersModel(model)) {
    return model.apply(inputs.length === 1 ? inputs[0]! : inputs, { training }) as tf.Tensor | tf.Tensor[];
  }
  return model.call(inputs, training);
}
