import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';

/** Options of {@link lenet}. */
export const lenetOptions = z.strictObject({
  /** Input image shape [H, W, C] (default MNIST's [28, 28, 1]). */
  inputShape: z.tuple([z.number().int().min(8), z.number().int().min(8), z.number().int().min(1)]).default([28, 28, 1]),
  /** Number of classes (default 10). */
  classes: z.number().int().min(2).default(10),
  /** Seed of the weight initialisers (default: unseeded, as Keras). */
  seed: z.number().int().optional(),
});

/** Options of {@link lenet} (see {@link lenetOptions}). */
export type LenetOptions = z.input<typeof lenetOptions>;

/**
 * FastEstimator's LeNet (`fe.architecture.tensorflow.LeNet`): conv 32 3×3 ReLU, max-pool 2, conv 64 3×3 ReLU, max-pool
 * 2, conv 64 3×3 ReLU, flatten, dense 64 ReLU, dense `classes` softmax (93,322 parameters for MNIST, as FastEstimator's).
 * Input [B, H, W, C] float32 (e.g. Minmax'ed digits), output class probabilities [B, classes]. A tf.LayersModel: pass
 * it to `build`.
 *
 * @example
 * const model = fe.build(fe.architecture.lenet(), 'adam');
 */
export function lenet(options: LenetOptions = {}): tf.LayersModel {
  const o = parseOptions('lenet', lenetOptions, options);
  const init = (k: number) => tf.initializers.glorotUniform(o.seed === undefined ? {} : { seed: o.seed + k });
  return tf.sequential({
    name: 'lenet',
    layers: [
      tf.layers.conv2d({ inputShape: o.inputShape, filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(0) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ units: o.classes, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
}
