import * as tf from '@tensorflow/tfjs';

/** A small seeded generator (mulberry32) for test inputs that are the same on both backends. */
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

/** `n` values uniform in [−scale, scale) from `seed`. */
export function values(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (2 * r() - 1) * scale);
}

/**
 * Runs `f` on webgpu and then on cpu (each building its tensors from the same plain arrays) and returns every
 * output's values from both; webgpu is current again afterwards. Reads are asynchronous (webgpu's synchronous read
 * needs OffscreenCanvas, which Node lacks).
 */
export async function onBoth(f: () => tf.Tensor[]): Promise<{ gpu: Float32Array[]; cpu: Float32Array[] }> {
  const run = async (name: string) => {
    await tf.setBackend(name);
    const out = tf.tidy(f);
    const vals = await Promise.all(out.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
    tf.dispose(out);
    return vals;
  };
  try {
    const gpu = await run('webgpu');
    const cpu = await run('cpu');
    return { gpu, cpu };
  } finally {
    await tf.setBackend('webgpu');
  }
}

/** Largest |a − b| / (1 + |b|) over all outputs (a relative error that is absolute near zero). */
export function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, k) => {
    const y = b[k]!;
    if (x.length !== y.length) throw new Error(`output ${k}: ${x.length} values vs ${y.length}`);
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i]! - y[i]!) / (1 + Math.abs(y[i]!));
      if (!(d <= worst)) worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
    }
  });
  return worst;
}
