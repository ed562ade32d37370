import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelArgs } from '../wasmInternals.js';
import { type ProgramUniform, rowProgram, type WebGpuBackendLike, workgroupSum } from './program.js';

const ROW_UNIFORMS = 'rows : i32, h : i32, eps : f32, which : i32,';

/** WGSL: the row's mean `mu` and `inv` = 1/√(biased var + eps), two workgroup sums (mean first, then Σ(x−μ)²). */
const ROW_STATS = `
        let base = row * uniforms.h;
        var s = 0.0;
        for (var j = lane; j < uniforms.h; j = j + 64) { if (rowOk) { s = s + x[base + j]; } }
        ${workgroupSum('s', 'total', 'sumA')}
        let mu = total / f32(uniforms.h);
        var q = 0.0;
        for (var j = lane; j < uniforms.h; j = j + 64) { if (rowOk) { let d = x[base + j] - mu; q = q + d * d; } }
        ${workgroupSum('q', 'sq', 'sumB')}
        let inv = inverseSqrt(sq / f32(uniforms.h) + uniforms.eps);`;

/**
 * `FetsLayerNorm` on WebGPU: inputs {x [..., h], gamma [h], beta [h]}, attrs {eps}. Out: [y, mean [rows], rstd
 * [rows]] as on wasm: one workgroup per row computes the statistics (float32 workgroup sums) and writes y; two more
 * row programs write the statistics the gradient reads (a tfjs program has one output).
 */
export function layerNormWebGpu(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as unknown as WebGpuBackendLike;
  const { x, gamma, beta } = args.inputs as Record<string, TensorInfo>;
  const h = x!.shape[x!.shape.length - 1]!;
  const rows = x!.shape.reduce((p, d) => p * d, 1) / h;
  const uniforms = (which: number): ProgramUniform[] => [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [h] },
    { type: 'float32', data: [Number(args.attrs!.eps)] },
    { type: 'int32', data: [which] },
  ];
  const yBody = `${ROW_STATS}
        for (var j = lane; j < uniforms.h; j = j + 64) {
          if (rowOk) { result[base + j] = (x[base + j] - mu) * inv * gamma[j] + beta[j]; }
        }`;
  const statBody = `${ROW_STATS}
        if (rowOk && lane == 0) { result[row] = select(inv, mu, uniforms.which == 0); }`;
  const y = backend.runWebGPUProgram(
    rowProgram('fets_ln_y', ['x', 'gamma', 'beta'], [...x!.shape], rows, yBody, ROW_UNIFORMS),
    [x!, gamma!, beta!],
    'float32',
    uniforms(0),
  );
  const stat = (which: number) =>
    backend.runWebGPUProgram(rowProgram('fets_ln_stat', ['x'], [rows], rows, statBody, ROW_UNIFORMS), [x!], 'float32', uniforms(which));
  return [y, stat(0), stat(1)];
}

/**
 * `FetsLayerNormGrad` on WebGPU: inputs {dy, x, gamma, mean, rstd}. Out: [dx, dγ, dβ] with x̂ = (x − μ)·rstd,
 * g = dy·γ: `dx = rstd·(g − mean(g) − x̂·mean(g·x̂))` (one workgroup per row), `dγ = Σ_rows dy·x̂`, `dβ = Σ_rows dy`
 * (one thread per column, summing down the rows).
 */
export function layerNormGradWebGpu(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as unknown as WebGpuBackendLike;
  const { dy, x, gamma, mean, rstd } = args.inputs as Record<string, TensorInfo>;
  const h = x!.shape[x!.shape.length - 1]!;
  const rows = x!.shape.reduce((p, d) => p * d, 1) / h;
  const uniforms = (which: number): ProgramUniform[] => [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [h] },
    { type: 'float32', data: [0] },
    { type: 'int32', data: [which] },
  ];
  const dxBody = `
        let base = row * uniforms.h;
        var mu = 0.0;
        var inv = 0.0;
        if (rowOk) { mu = mean[row]; inv = rstd[row]; }
        var a = 0.0;
        var b = 0.0;
        for (var j = lane; j < uniforms.h; j = j + 64) {
          if (rowOk) {
            let gj = dy[base + j] * gamma[j];
            a = a + gj;
            b = b + gj * (x[base + j] - mu) * inv;
          }
        }
        ${workgroupSum('a', 'sg', 'sumA')}
        ${workgroupSum('b', 'sgx', 'sumB')}
        let mg = sg / f32(uniforms.h);
        let mgx = sgx / f32(uniforms.h);
        for (var j = lane; j < uniforms.h; j = j + 64) {
          if (rowOk) {
            let xh = (x[base + j] - mu) * inv;
            result[base + j] = inv * (dy[base + j] * gamma[j] - mg - xh * mgx);
          }
        }`;
  const dx = backend.runWebGPUProgram(
    rowProgram('fets_ln_dx', ['dy', 'x', 'gamma', 'mean', 'rstd'], [...x!.shape], rows, dxBody, ROW_UNIFORMS),
    [dy!, x!, gamma!, mean!, rstd!],
    'float32',
    uniforms(0),
  );
  // Column sums: h threads (64 per workgroup), each walking down the rows.
  const colBody = `
        let j = index;
        if (j < uniforms.h) {
          var s = 0.0;
          for (var r = 0; r < uniforms.rows; r = r + 1) {
            let i = r * uniforms.h + j;
            if (uniforms.which == 0) { s = s + dy[i] * (x[i] - mean[r]) * rstd[r]; } else { s = s + dy[i]; }
          }
          result[j] = s;
        }`;
  const col = (which: number) =>
    backend.runWebGPUProgram(
      {
        ...rowProgram('fets_ln_dcol', ['dy', 'x', 'mean', 'rstd'], [h], Math.ceil(h / 64), colBody, ROW_UNIFORMS),
      },
      [dy!, x!, mean!, rstd!],
      'float32',
      uniforms(which),
    );
  return [dx, col(0), col(1)];
}
