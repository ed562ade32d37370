import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelArgs } from '../wasmInternals.js';
import { elementwise, type WebGpuBackendLike } from './program.js';

/**
 * Φ(x) and the density term by the same formula as the wasm kernel (erf by Abramowitz & Stegun 7.1.26, |error| ≤
 * 1.5e-7): `cdf(v)` and `geluD(v)` = Φ + x·φ(x).
 */
const GELU_HELPERS = `
  fn fetsErfTerms(v : f32) -> vec2<f32> {
    let z = abs(v) * 0.70710678118654752;
    let e = exp(-z * z);
    let t = 1.0 / (1.0 + 0.3275911 * z);
    let erfAbs = 1.0 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * e;
    let cdf = select(0.5 - 0.5 * erfAbs, 0.5 + 0.5 * erfAbs, v >= 0.0);
    return vec2<f32>(cdf, e);
  }`;

/**
 * `FetsGelu` on WebGPU: inputs {x} float32. Out: [y = x·Φ(x), dy/dx = Φ + x·e^(−x²/2)/√(2π)], as on wasm; two
 * elementwise programs (a tfjs program has one output), each one read of x.
 */
export function geluWebGpu(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as unknown as WebGpuBackendLike;
  const x = args.inputs.x!;
  const shape = [...x.shape];
  const y = elementwise('fets_gelu_y', ['x'], shape, 'let v = x[index]; result[index] = v * fetsErfTerms(v).x;', undefined, GELU_HELPERS);
  const d = elementwise(
    'fets_gelu_d',
    ['x'],
    shape,
    'let v = x[index]; let t = fetsErfTerms(v); result[index] = t.x + v * t.y * 0.39894228040143268;',
    undefined,
    GELU_HELPERS,
  );
  return [backend.runWebGPUProgram(y, [x], 'float32'), backend.runWebGPUProgram(d, [x], 'float32')];
}
