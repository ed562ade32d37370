import * as tf from '@tensorflow/tfjs';
import { ConfigError, nearestName } from '@fets/pipeline';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';

/** Names `build` accepts for an optimizer, each with Keras' default settings (AdamW: PyTorch's, weight decay 0.01). */
export const OPTIMIZER_NAMES = ['adam', 'sgd', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'adamw'] as const;
/** One of {@link OPTIMIZER_NAMES}. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

const FACTORIES: Record<OptimizerName, () => tf.Optimizer> = {
  adam: () => new Adam(),
  sgd: () => tf.train.sgd(0.01),
  rmsprop: () => tf.train.rmsprop(0.001),
  adagrad: () => tf.train.adagrad(0.001),
  adadelta: () => tf.train.adadelta(0.001, 0.95),
  adamax: () => tf.train.adamax(0.001),
  adamw: () => new AdamW(),
};

/**
 * Creates an optimizer from its name; an unknown name throws a `ConfigError` listing the valid ones with a
 * "did you mean".
 *
 * @example
 * makeOptimizer('adam'); // new Adam(): tf.train.adam(0.001)'s algorithm on one fused kernel per variable
 * makeOptimizer('adan'); // ConfigError: build: unknown optimizer "adan", did you mean "adam"? (valid: adam, sgd, ...)
 */
export function makeOptimizer(name: string, owner = 'build'): tf.Optimizer {
  const key = name.toLowerCase() as OptimizerName;
  const factory = (FACTORIES as Record<string, () => tf.Optimizer>)[key];
  if (!factory) {
    const near = nearestName(name, OPTIMIZER_NAMES);
    throw new ConfigError(
      owner,
      [],
      `${owner}: unknown optimizer "${name}"${near ? `, did you mean "${near}"?` : ''} (valid: ${OPTIMIZER_NAMES.join(', ')})`,
    );
  }
  return factory();
}

/** True when `o` is a tfjs optimizer (or a subclass such as {@link AdamW}). */
export function isOptimizer(o: unknown): o is tf.Optimizer {
  return o instanceof tf.Optimizer;
}

/**
 * The learning rate an optimizer uses at its next step. Every tfjs optimizer (and AdamW) keeps it in `learningRate`.
 *
 * @example
 * optimizerLearningRate(tf.train.sgd(0.1)); // 0.1
 */
export function optimizerLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  if (typeof lr !== 'number') {
    throw new ConfigError(optimizer.getClassName(), [], `${optimizer.getClassName()}: this optimizer has no numeric learningRate field`);
  }
  return lr;
}

/**
 * Sets the learning rate an optimizer uses from its next step on. SGD and Momentum cache `-lr` as a tensor and need
 * their `setLearningRate`; the others read the `learningRate` field at every step.
 *
 * @example
 * setOptimizerLearningRate(opt, 1e-4);
 */
export function setOptimizerLearningRate(optimizer: tf.Optimizer, lr: number): void {
  if (!Number.isFinite(lr) || lr < 0) {
    throw new ConfigError(
      optimizer.getClassName(),
      [],
      `${optimizer.getClassName()}: learning rate must be a finite number >= 0, received ${lr}`,
    );
  }
  const o = optimizer as unknown as { learningRate?: unknown; setLearningRate?: (lr: number) => void };
  if (typeof o.learningRate !== 'number') {
    throw new ConfigError(optimizer.getClassName(), [], `${optimizer.getClassName()}: this optimizer has no numeric learningRate field`);
  }
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
