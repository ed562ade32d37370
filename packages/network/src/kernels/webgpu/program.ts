import type { DataType, TensorInfo } from '@tensorflow/tfjs';

/**
 * The part of tfjs-backend-webgpu's `WebGPUProgram` fets fills in (see the package's webgpu_program.d.ts): the
 * backend prepends the bindings (`result`, one `array<f32|i32>` per name in `variableNames`, `uniforms`) and the
 * helpers (`main(index)`, `getGlobalIndex`, `setOutputAtIndex`), then compiles once per `shaderKey` and shape ranks.
 */
export interface FetsProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Declares `uniforms.size` (the output's element count). */
  size: boolean;
  /** Extra uniform fields, WGSL struct syntax (`eps : f32, h : i32,`), passed at run time in this order. */
  uniforms?: string;
  getUserCode: () => string;
}

/** One uniform value as the backend's `makeUniforms` takes it. */
export interface ProgramUniform {
  type: 'float32' | 'int32' | 'uint32';
  data: number[];
}

/** The WebGPU backend's entry point fets calls (tfjs-backend-webgpu 4.22 `WebGPUBackend.runWebGPUProgram`). */
export interface WebGpuBackendLike {
  runWebGPUProgram(program: FetsProgram, inputs: TensorInfo[], outputDtype: DataType, uniforms?: ProgramUniform[]): TensorInfo;
}

/** Threads per workgroup of fets' programs (64: a multiple of every vendor's SIMD width, and lavapipe's 8 lanes). */
export const WORKGROUP = 64;

/**
 * An elementwise program: one thread per output element, `body` runs with `index` (i32) below `uniforms.size` and
 * writes `result[index]`. Dispatch over `ceil(n / 64)` workgroups (the backend folds it into 2-D past 65,535).
 *
 * @example
 * elementwise('fets_scale', ['x'], [5], 'result[index] = 2.0 * x[index];');
 */
export function elementwise(key: string, inputs: string[], shape: number[], body: string, uniforms?: string, helpers = ''): FetsProgram {
  const n = shape.reduce((p, d) => p * d, 1);
  return {
    variableNames: inputs,
    outputShape: shape,
    shaderKey: key,
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [Math.ceil(n / WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    ...(uniforms ? { uniforms } : {}),
    getUserCode: () => `${helpers}
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/**
 * WGSL for a workgroup-wide sum of `v` (f32) into `name` (every thread gets the total): a shared array halved in
 * log2(64) steps. Needs `var<workgroup> ${buf} : array<f32, 64>;` declared once (see {@link rowProgram}).
 */
export function workgroupSum(v: string, name: string, buf: string): string {
  return `
        ${buf}[localId.x] = ${v};
        workgroupBarrier();
        for (var s = ${WORKGROUP / 2}u; s > 0u; s = s / 2u) {
          if (localId.x < s) { ${buf}[localId.x] = ${buf}[localId.x] + ${buf}[localId.x + s]; }
          workgroupBarrier();
        }
        let ${name} = ${buf}[0];
        workgroupBarrier();`;
}

/**
 * A program with one workgroup of 64 threads per row: `body` runs with `row`, `lane` (0…63) and `rowOk` (row <
 * `uniforms.rows`, which `uniforms` must declare) and loops over the row's elements with stride 64. Shared arrays
 * `sumA`, `sumB` serve {@link workgroupSum}. Barriers must stay in uniform control flow (WGSL's rule), so `body`
 * guards its reads and writes with `rowOk` instead of returning early.
 */
export function rowProgram(
  key: string,
  inputs: string[],
  shape: number[],
  rows: number,
  body: string,
  uniforms: string,
  helpers = '',
): FetsProgram {
  return {
    variableNames: inputs,
    outputShape: shape,
    shaderKey: key,
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [rows, 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    uniforms,
    getUserCode: () => `${helpers}
      var<workgroup> sumA : array<f32, ${WORKGROUP}>;
      var<workgroup> sumB : array<f32, ${WORKGROUP}>;
      fn main(index : i32) {
        let row = index / ${WORKGROUP};
        let lane = i32(localId.x);
        let rowOk = row < uniforms.rows;
        ${body}
      }`,
  };
}
