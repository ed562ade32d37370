import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelArgs } from '../wasmInternals.js';
import { elementwise, type WebGpuBackendLike } from './program.js';

/** Two 32-bit words from a seed (FNV-1a over its decimal/string form, two offsets); a random seed when absent. */
export function seedWords(seed: unknown): [number, number] {
  const text = seed === undefined || seed === null ? String(Math.random()) : String(seed);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 ^ 0x5bd1e995) >>> 0;
  }
  return [a >>> 0, b >>> 0];
}

/** PCG's output permutation on a 32-bit state (a well-mixed hash of the element index and the seed). */
const HASH = `
  fn fetsPcg(v : u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
  }`;

/**
 * `FetsDropoutMask` on WebGPU: no inputs; attrs {shape, rate, seed}. Out: float32 `shape` of 0 or 1/(1 − rate),
 * element i kept when u_i < 1 − rate, u_i = 24 bits of PCG(PCG(i ⊕ s0) + s1) / 2²⁴ with (s0, s1) from the seed:
 * counter-based, so every thread draws its own element. Seeded and repeatable (same seed, same mask), but not the
 * mask tf.dropout draws on the CPU backends (their Alea stream is sequential and float64).
 */
export function dropoutMaskWebGpu(args: KernelArgs): TensorInfo {
  const backend = args.backend as unknown as WebGpuBackendLike;
  const shape = [...(args.attrs!.shape as number[])];
  const rate = Number(args.attrs!.rate);
  const keep = Math.fround(1 - rate);
  const [s0, s1] = seedWords(args.attrs!.seed);
  const body = `
          let u = f32(fetsPcg(fetsPcg(u32(index) ^ uniforms.s0) + uniforms.s1) >> 8u) * (1.0 / 16777216.0);
          result[index] = select(0.0, uniforms.scale, u < uniforms.keep);`;
  const program = elementwise('fets_dropout', [], shape, body, 's0 : u32, s1 : u32, keep : f32, scale : f32,', HASH);
  return backend.runWebGPUProgram(program, [], 'float32', [
    { type: 'uint32', data: [s0] },
    { type: 'uint32', data: [s1] },
    { type: 'float32', data: [keep] },
    { type: 'float32', data: [Math.fround(1 / keep)] },
  ]);
}
