import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';

/** Options of {@link resnet9}. */
export const resnet9Options = z.strictObject({
  /** Input image shape [H, W, C] (default CIFAR-10's [32, 32, 3]). */
  inputShape: z.tuple([z.number().int().min(8), z.number().int().min(8), z.number().int().min(1)]).default([32, 32, 3]),
  /** Number of classes (default 10). */
  classes: z.number().int().min(2).default(10),
  /** Width of the first block (default 64; FastEstimator's widths are 64, 128, 256, 512). */
  width: z.number().int().min(1).default(64),
  /** Seed of the weight initialisers (default: unseeded). */
  seed: z.number().int().optional(),
});

/** Options of {@link resnet9} (see {@link resnet9Options}). */
export type Resnet9Options = z.input<typeof resnet9Options>;

/**
 * FastEstimator's ResNet9 (the fast CIFAR-10 network of its `cifar10` apphub example, after David Page): a 3×3 conv
 * stem, then three stages of conv + max-pool, the first and last with a residual pair of convs, each conv followed by
 * batch normalisation and LeakyReLU(0.1); global max-pool and a softmax layer; 6,579,850 parameters at width 64, as
 * FastEstimator's. Input [B, H, W, C] float32, output class probabilities. A tf.LayersModel: pass it to `build`.
 *
 * @example
 * const model = fe.build(fe.architecture.resnet9(), 'adam');
 */
export function resnet9(options: Resnet9Options = {}): tf.LayersModel {
  const o = parseOptions('resnet9', resnet9Options, options);
  let k = 0;
  // Keras' defaults, as FastEstimator's model has them: Glorot-uniform kernels, zero biases (a conv's bias before batch
  // normalisation is redundant, but it is part of FastEstimator's model and of its parameter count).
  const init = () => tf.initializers.glorotUniform(o.seed === undefined ? {} : { seed: o.seed + k++ });
  const convBn = (x: tf.SymbolicTensor, filters: number, pool: boolean): tf.SymbolicTensor => {
    let y = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
    if (pool) y = tf.layers.maxPooling2d({ poolSize: 2 }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.batchNormalization({ momentum: 0.8 }).apply(y) as tf.SymbolicTensor;
    return tf.layers.leakyReLU({ alpha: 0.1 }).apply(y) as tf.SymbolicTensor;
  };
  const residual = (x: tf.SymbolicTensor, filters: number) =>
    tf.layers.add().apply([x, convBn(convBn(x, filters, false), filters, false)]) as tf.SymbolicTensor;
  const w = o.width;
  const input = tf.input({ shape: o.inputShape });
  let x = convBn(input, w, false);
  x = residual(convBn(x, 2 * w, true), 2 * w);
  x = convBn(x, 4 * w, true);
  x = residual(convBn(x, 8 * w, true), 8 * w);
  x = tf.layers.globalMaxPooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: o.classes, activation: 'softmax', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'resnet9' });
}
