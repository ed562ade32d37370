import * as tf from '@tensorflow/tfjs';
import { linearFused } from '../../kernels/native/linear.js';
import { dropoutSeeded } from '../../kernels/dropout.js';
import { geluErf } from '../../kernels/gelu.js';
import { layerNormLastAxis } from '../../kernels/layerNorm.js';
import { transposedMatMulIsFast } from '../../kernels/registry.js';
import { int8LinearFor } from '../../int8/int8Model.js';
import type { BertActivation } from './config.js';

/** `torch.finfo(torch.float32).min`: the additive mask value Hugging Face puts on masked keys. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * A reproducible stream of integer seeds (for weight init and dropout), derived from one base seed by hashing a
 * counter; unseeded streams draw from `Math.random`.
 *
 * @example
 * const s = new SeedStream(0); s.next(); // same value on every run
 */
export class SeedStream {
  private counter = 0;
  constructor(private readonly base?: number) {}

  /** How many seeds were drawn (saved with a checkpoint, so a resumed run continues the same stream). */
  get state(): number {
    return this.counter;
  }

  set state(n: number) {
    this.counter = n | 0;
  }

  /** The next seed (a non-negative 31-bit integer). */
  next(): number {
    if (this.base === undefined) return Math.floor(Math.random() * 2 ** 31);
    let h = (Math.imul(this.base | 0, 0x9e3779b1) ^ Math.imul(++this.counter, 0x85ebca6b)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
    return (h ^ (h >>> 16)) >>> 1;
  }
}

/**
 * Dense layer in PyTorch layout: `x [M, in] @ Wᵀ + b` with `W [out, in]` (Wᵀ read in place where transposed
 * products are fast, else an explicit transpose). Its gradient: `dx = dy @ W`,
 * `dW = dyᵀ @ x` (a transposed product where that is fast, else an explicit transpose: the wasm package kernel runs
 * transposed operands in a scalar loop), `db = ones[1, M] @ dy`.
 *
 * @example
 * const y = linear(x2d, weight, bias); // [M, out]
 */
const linearFloat = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  const x2 = x as tf.Tensor2D;
  const w2 = w as tf.Tensor2D;
  save([x2, w2]);
  // x @ Wᵀ read in place where transposed products are fast (no transposed copy of W every step: for a tied
  // 30,522-row decoder that copy cost more than the product).
  // With the native kernels the bias is added as the product's tiles are stored (one kernel, one output).
  const value =
    linearFused(x2, w2, b) ?? tf.add(transposedMatMulIsFast() ? tf.matMul(x2, w2, false, true) : tf.matMul(x2, tf.transpose(w2)), b);
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor2D;
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dx = tf.matMul(g, ws);
      const dw = transposedMatMulIsFast() ? tf.matMul(g, xs, true, false) : tf.matMul(tf.transpose(g), xs);
      const db = tf.reshape(tf.matMul(tf.ones([1, g.shape[0]]), g), [g.shape[1]]);
      return [dx, dw, db];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor) => tf.Tensor2D;

/** {@link linearFloat}, or its int8 copy when the model was put in int8 (`useInt8`; inference only). */
export const linear = (x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D =>
  int8LinearFor(x, weight, bias) ?? linearFloat(x, weight, bias);

/**
 * Layer normalisation over the last axis, biased variance, as `torch.nn.LayerNorm`.
 *
 * @example
 * const y = layerNorm(x2d, gamma, beta, 1e-12);
 */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor2D {
  // Fused kernels on wasm (FETS_KERNELS replacement `LayerNorm`), the tfjs composition elsewhere.
  return layerNormLastAxis(x, gamma, beta, eps);
}

/**
 * The activation a BERT config names: `gelu` = exact erf GELU `0.5·x·(1 + erf(x/√2))`; `gelu_new` /
 * `gelu_pytorch_tanh` = tanh approximation; `relu`; `silu`/`swish`; `tanh`.
 *
 * @example
 * activation('gelu')(x);
 */
export function activation(name: BertActivation): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case 'gelu':
      // Fused kernels on wasm (FETS_KERNELS replacement `Gelu`), the tfjs composition elsewhere.
      return (x) => geluErf(x);
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return (x) =>
        tf.tidy(() => {
          const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
          return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
        });
    case 'relu':
      return (x) => tf.relu(x);
    case 'silu':
    case 'swish':
      return (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
    case 'tanh':
      return (x) => tf.tanh(x);
  }
}

/**
 * Inverted dropout with a seed from `seeds` (so seeded runs repeat); identity when `rate` is 0 or not training.
 *
 * @example
 * const y = dropout(x, 0.1, training, seeds);
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean, seeds: SeedStream): T {
  if (!training || rate === 0) return x;
  // The same mask as tf.dropout for the seed; one fused kernel on wasm (FETS_KERNELS replacement `Dropout`).
  return dropoutSeeded(x, rate, seeds.next());
}

/** How a parameter is initialised (Hugging Face `_init_weights` for BERT). */
export type ParamInit = { kind: 'normal'; std: number; zeroRow?: number | null } | { kind: 'zeros' } | { kind: 'ones' };

/**
 * Creates a float32 variable initialised as HF's `_init_weights`: normal(0, std) for Linear and Embedding weights
 * (with the padding row zeroed), zeros for biases, ones / zeros for LayerNorm.
 *
 * @example
 * const w = initVariable([32, 64], { kind: 'normal', std: 0.02 }, seeds, 'bert_0/classifier.weight');
 */
export function initVariable(shape: number[], init: ParamInit, seeds: SeedStream, name: string): tf.Variable {
  const value = tf.tidy(() => {
    switch (init.kind) {
      case 'zeros':
        return tf.zeros(shape);
      case 'ones':
        return tf.ones(shape);
      case 'normal': {
        const w = tf.randomNormal(shape, 0, init.std, 'float32', seeds.next());
        if (init.zeroRow === undefined || init.zeroRow === null || init.zeroRow >= shape[0]!) return w;
        const isPad = tf.equal(tf.range(0, shape[0]!, 1, 'int32').reshape([shape[0]!, 1]), init.zeroRow);
        return tf.where(tf.broadcastTo(isPad, shape), tf.zerosLike(w), w);
      }
    }
  });
  const v = tf.variable(value, true, name, 'float32');
  value.dispose();
  return v;
}
