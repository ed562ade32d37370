import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { AdamW } from './adamw.js';

const adamSchema = z.strictObject({
  /** Step size (Keras' and tf.train.adam's default). */
  learningRate: z.number().positive().default(1e-3),
  /** Decay of the first-moment average. */
  beta1: z.number().min(0).lt(1).default(0.9),
  /** Decay of the second-moment average. */
  beta2: z.number().min(0).lt(1).default(0.999),
  /** Added to √v̂ in the denominator (Keras' and tfjs' 1e-7, not PyTorch's 1e-8). */
  epsilon: z.number().positive().default(1e-7),
});

/** Options of {@link Adam}. */
export type AdamOptions = z.input<typeof adamSchema>;

/**
 * Adam (Kingma & Ba) as `tf.train.adam` and Keras define it, `p ← p − lr·m̂/(√v̂ + ε)`, updated by one fused kernel per
 * variable on wasm instead of tfjs' fourteen or so element-wise ops (an AdamW without weight decay). The name `'adam'` in
 * `build` makes one. Its state (`iter`, `<var>/m`, `<var>/v`) has tf.train.adam's names, so saved optimizer state
 * moves between the two.
 *
 * @example
 * const model = fe.build(fe.architecture.lenet(), () => new Adam({ learningRate: 1e-3 }));
 */
export class Adam extends AdamW {
  /** Serialization name (`Adam` is tfjs' own optimizer's). */
  static override get className(): string {
    return 'FetsAdam';
  }

  constructor(options: AdamOptions = {}) {
    super({ ...parseOptions(new.target.name, adamSchema, options), weightDecay: 0 });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as never);
  }
}

tf.serialization.registerClass(Adam);
