import type { TensorInfo } from '@tensorflow/tfjs';
import type { AdamWStepScalars } from '../adamw.js';
import type { KernelArgs } from '../wasmInternals.js';
import { elementwise, type ProgramUniform, type WebGpuBackendLike } from './program.js';

const UNIFORMS = 'b1 : f32, c1 : f32, b2 : f32, c2 : f32, bc1 : f32, bc2 : f32, eps : f32, lr : f32, decay : f32, which : i32,';

/**
 * One AdamW element in the order of the wasm kernel: m' = m·β1 + g·(1−β1), v' = v·β2 + g²·(1−β2),
 * p' = p·decay − (m'/bc1)/(√(v'/bc2) + ε)·lr; `which` picks the output (0 p', 1 m', 2 v').
 */
const BODY = `
  let gi = g[index];
  let mi = m[index] * uniforms.b1 + gi * uniforms.c1;
  let vi = v[index] * uniforms.b2 + (gi * gi) * uniforms.c2;
  if (uniforms.which == 1) {
    result[index] = mi;
  } else if (uniforms.which == 2) {
    result[index] = vi;
  } else {
    let step = (mi / uniforms.bc1) / (sqrt(vi / uniforms.bc2) + uniforms.eps);
    result[index] = p[index] * uniforms.decay - step * uniforms.lr;
  }`;

/**
 * `FetsAdamW` on WebGPU: inputs {p, m, v, g}, attrs {@link AdamWStepScalars}. Out: [p', m', v'], three elementwise
 * programs sharing one shader (a tfjs program has one output); the scalars travel as uniforms, so one compiled
 * pipeline serves every variable and step.
 */
export function adamwWebGpu(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as unknown as WebGpuBackendLike;
  const { p, m, v, g } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as AdamWStepScalars;
  const shape = [...p!.shape];
  const scalars = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.bc1, a.bc2, a.epsilon, a.learningRate, a.decay];
  const run = (which: number) => {
    const uniforms: ProgramUniform[] = [...scalars.map((s) => ({ type: 'float32' as const, data: [s] })), { type: 'int32', data: [which] }];
    return backend.runWebGPUProgram(
      elementwise('fets_adamw', ['p', 'm', 'v', 'g'], shape, BODY, UNIFORMS),
      [p!, m!, v!, g!],
      'float32',
      uniforms,
    );
  };
  return [run(0), run(1), run(2)];
}
