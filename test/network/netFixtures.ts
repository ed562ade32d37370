import * as tf from '@tensorflow/tfjs';
import { NDArray } from '@fets/pipeline';

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A classification batch: x float32 [n, d] in [-1, 1), y int32 [n] in [0, classes). */
export function classBatch(n: number, d: number, classes: number, seed: number): { x: NDArray; y: NDArray } {
  const r = rng(seed);
  const x = Float32Array.from({ length: n * d }, () => r() * 2 - 1);
  const y = Int32Array.from({ length: n }, () => Math.floor(r() * classes));
  return { x: new NDArray(x, [n, d], 'float32'), y: new NDArray(y, [n], 'int32') };
}

/** A small dense classifier [d] → 8 (tanh) → classes, with seeded initial weights. */
export function denseModel(d: number, classes: number, seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [d], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }), biasInitializer: 'zeros' }),
    ],
  });
}

/** Copies every weight of `from` into `to` (same architecture). */
export function copyWeights(from: tf.LayersModel, to: tf.LayersModel): void {
  to.setWeights(from.getWeights());
}

/** Largest absolute difference between the weights of two models. */
export function maxWeightDiff(a: tf.LayersModel, b: tf.LayersModel): number {
  const wa = a.getWeights();
  const wb = b.getWeights();
  let m = 0;
  wa.forEach((w, i) => {
    const x = w.dataSync();
    const y = wb[i]!.dataSync();
    for (let j = 0; j < x.length; j++) m = Math.max(m, Math.abs(x[j]! - y[j]!));
  });
  return m;
}

/** Concatenates NDArrays along the first axis. */
export function concatRows(parts: NDArray[]): NDArray {
  const first = parts[0]!;
  const n = parts.reduce((a, p) => a + p.shape[0]!, 0);
  const data =
    first.dtype === 'float32'
      ? Float32Array.from(parts.flatMap((p) => Array.from(p.data as Float32Array)))
      : Int32Array.from(parts.flatMap((p) => Array.from(p.data as Int32Array)));
  return new NDArray(data, [n, ...first.shape.slice(1)], first.dtype);
}
