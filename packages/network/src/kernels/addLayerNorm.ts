import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { LAYER_NORM_GRAD_KERNEL, layerNormLastAxis } from './layerNorm.js';
import { nativeAddon } from './native/slot.js';
import { offsetOf, type KernelArgs, type WasmBackend } from './wasmInternals.js';

/** Name of the fused residual add + LayerNorm kernel (native kernels only). */
export const ADD_LAYER_NORM_KERNEL = 'FetsAddLayerNorm';

/**
 * `FetsAddLayerNorm`: inputs {x, residual [rows, h], gamma, beta [h]} float32, attrs {eps, keepSum}. Out: [y, mean
 * [rows], rstd [rows]] and, with keepSum, the sum x + residual (LayerNorm's input, which its gradient reads): y =
 * LayerNorm(x + residual) in one pass over the rows on the native addon, without a separate tensor for the sum at
 * inference.
 */
export function addLayerNormKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { x, residual, gamma, beta } = args.inputs as Record<string, TensorInfo>;
  const eps = Number(args.attrs!.eps);
  const keepSum = Boolean(args.attrs!.keepSum);
  const h = x!.shape[x!.shape.length - 1]!;
  const rows = x!.shape.reduce((p, d) => p * d, 1) / h;
  const y = backend.makeOutput([...x!.shape], 'float32');
  const mean = backend.makeOutput([rows], 'float32');
  const rstd = backend.makeOutput([rows], 'float32');
  const sum = keepSum ? backend.makeOutput([...x!.shape], 'float32') : undefined;
  const o = (t: TensorInfo) => offsetOf(backend, t);
  nativeAddon()!.layerNorm(backend.wasm.HEAPU8, {
    x: o(x!),
    residual: o(residual!),
    gamma: o(gamma!),
    beta: o(beta!),
    y: o(y),
    ...(sum ? { sum: o(sum) } : {}),
    mean: o(mean),
    rstd: o(rstd),
    rows,
    h,
    eps,
  });
  return sum ? [y, mean, rstd, sum] : [y, mean, rstd];
}

function fusedFor(eps: number) {
  return tf.customGrad(((x: tf.Tensor, residual: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, rstd, sum] = tf
      .engine()
      .runKernel(ADD_LAYER_NORM_KERNEL, { x, residual, gamma, beta }, { eps, keepSum: true } as never) as tf.Tensor[];
    save([sum!, gamma, mean!, rstd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [s, g, m, r] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const [dx, dgamma, dbeta] = tf
          .engine()
          .runKernel(LAYER_NORM_GRAD_KERNEL, { dy: dy as tf.Tensor, x: s, gamma: g, mean: m, rstd: r }, {}) as tf.Tensor[];
        // The sum's gradient goes to both addends (a second handle on the same values for the residual).
        return [dx!, tf.clone(dx!), dgamma!, dbeta!];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    x: tf.Tensor,
    residual: tf.Tensor,
    gamma: tf.Tensor,
    beta: tf.Tensor,
  ) => tf.Tensor;
}

const byEps = new Map<number, ReturnType<typeof fusedFor>>();

/** Whether a gradient tape records the current ops (inside tf.grads / variableGrads). */
const taped = () => (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;

/**
 * `LayerNorm(x + residual)` over the last axis (biased variance, as `torch.nn.LayerNorm`): BERT's post-LN residual
 * block. With the native kernels one pass (and at inference no tensor for the sum); its gradient is LayerNorm's,
 * passed to both addends. Elsewhere `layerNormLastAxis(x + residual)`. x, residual: [..., h] float32 of one shape;
 * gamma, beta: [h].
 *
 * @example
 * const h2 = addLayerNorm(attentionOut, h, gamma, beta, 1e-12);
 */
export function addLayerNorm<T extends tf.Tensor>(x: T, residual: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): T {
  const h = x.shape[x.shape.length - 1];
  const fits =
    x.dtype === 'float32' &&
    residual.dtype === 'float32' &&
    x.rank >= 1 &&
    x.shape.length === residual.shape.length &&
    x.shape.every((d, i) => d === residual.shape[i]) &&
    gamma.rank === 1 &&
    beta.rank === 1 &&
    gamma.shape[0] === h &&
    beta.shape[0] === h &&
    gamma.dtype === 'float32' &&
    beta.dtype === 'float32';
  const be = tf.getBackend();
  if (fits && tf.getKernel(ADD_LAYER_NORM_KERNEL, be) && tf.getKernel(LAYER_NORM_GRAD_KERNEL, be)) {
    if (!taped()) {
      const [y, mean, rstd] = tf
        .engine()
        .runKernel(ADD_LAYER_NORM_KERNEL, { x, residual, gamma, beta }, { eps, keepSum: false } as never) as tf.Tensor[];
      tf.dispose([mean!, rstd!]);
      return y as T;
    }
    let f = byEps.get(eps);
    if (!f) byEps.set(eps, (f = fusedFor(eps)));
    return f(x, residual, gamma, beta) as T;
  }
  return tf.tidy(() => layerNormLastAxis(tf.add(x, residual), gamma, beta, eps) as T);
}
